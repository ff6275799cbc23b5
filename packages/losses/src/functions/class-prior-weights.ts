import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '@dkl/core/errors';
import { checkValues, describe } from '../validation/check-inputs.js';

/**
 * IKL's class-wise global information ("GI"): row `labels[b]` of the `[C, C]` class prior for
 * every sample, i.e. the `[B, C]` weight vectors to pass as `classWeights` to `decoupledKL`.
 * Row c of the prior is the mean softmax prediction over class-c samples (see the core
 * `ClassPriorStore`). The result carries no gradient meaning: `decoupledKL` treats it as a constant.
 *
 * @param prior - float32 `[C, C]`, finite and >= 0.
 * @param labels - int32 `[B]` with values in `[0, C)`.
 * @param options.validate - check labels for range and the prior for NaN/Inf/negatives (default true).
 * @param options.validatePrior - check the prior (default: `validate`); the prior changes once per
 *   epoch, so callers may check it once and pass false afterwards (the IKL/GKL plugins do).
 * @returns float32 `[B, C]`.
 */
export function classPriorWeights(
  prior: tf.Tensor,
  labels: tf.Tensor,
  options: { readonly validate?: boolean; readonly validatePrior?: boolean } = {},
): tf.Tensor2D {
  if (!(prior instanceof tf.Tensor) || prior.rank !== 2 || prior.shape[0] !== prior.shape[1] || prior.dtype !== 'float32') {
    throw new ShapeError('prior', 'a float32 square matrix [C, C]', prior instanceof tf.Tensor ? describe(prior) : typeof prior);
  }
  const numClasses = prior.shape[0]!;
  if (!(labels instanceof tf.Tensor) || labels.rank !== 1 || labels.dtype !== 'int32') {
    throw new ShapeError('labels', 'an int32 tensor [B]', labels instanceof tf.Tensor ? describe(labels) : typeof labels);
  }
  if (options.validate !== false) {
    const checkPrior = options.validatePrior ?? true;
    checkValues({ finite: [], nonNegative: checkPrior ? [['prior', prior]] : [], labels: { name: 'labels', tensor: labels, numClasses } });
  }
  return tf.gather(prior, labels) as tf.Tensor2D;
}
