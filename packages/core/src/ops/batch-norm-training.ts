/**
 * Training-mode batch normalisation as one op that backends may accelerate. The op is defined
 * here (kernel names, gradient, portable fallback); a backend such as @dkl/backend-native
 * registers the two kernels and gets one fused pass forward and one backward, as PyTorch does.
 * Models call `batchNormTraining` and never depend on a backend package.
 */
import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ShapeError } from '../errors.js';

/**
 * Kernel computing y, batch mean and biased batch variance in one call. Inputs x, gamma, beta;
 * attrs epsilon and activation ('linear' or 'relu', applied to y).
 */
export const BN_TRAIN_KERNEL = 'DklBatchNormTrain';
/**
 * Its gradient kernel: dx, dgamma, dbeta from dy, x, gamma, mean, variance, and for
 * activation 'relu' also y (the forward output, whose sign masks dy as ReLU's gradient does).
 */
export const BN_TRAIN_GRAD_KERNEL = 'DklBatchNormTrainGrad';

/** Activations {@link batchNormTraining} can apply to its output in the same pass. */
export type BatchNormActivation = 'linear' | 'relu';

export interface BatchNormTrainingResult {
  /** Normalised output, differentiable with respect to x, gamma and beta. */
  readonly y: tf.Tensor;
  /** Biased batch mean per channel; for running-statistics updates only. */
  readonly mean: tf.Tensor1D;
  /** Biased batch variance per channel; for running-statistics updates only. */
  readonly variance: tf.Tensor1D;
}

/** Registers the op's gradient once (tfjs keeps gradients in a global, name-keyed registry). */
function ensureGradient(): void {
  if (tf.getGradient(BN_TRAIN_KERNEL)) return;
  tf.registerGradient({
    kernelName: BN_TRAIN_KERNEL,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [true, true, true],
    gradFunc: (dys, saved, attrs) => {
      const dy = Array.isArray(dys) ? dys[0]! : dys;
      const [x, gamma, y, mean, variance] = saved as tf.Tensor[];
      const relu = (attrs as { activation?: BatchNormActivation }).activation === 'relu';
      const inputs: tf.NamedTensorMap = { dy, x: x!, gamma: gamma!, mean: mean!, variance: variance! };
      if (relu) inputs['y'] = y!;
      const [dx, dgamma, dbeta] = tf.engine().runKernel(BN_TRAIN_GRAD_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
      return { x: () => dx!, gamma: () => dgamma!, beta: () => dbeta! };
    },
  });
}

/**
 * `y = (x - mean) / sqrt(variance + epsilon) * gamma + beta` over every axis but the last (NHWC),
 * with the batch's own mean and biased variance, followed by `activation` ('relu': `tf.relu(y)`,
 * fused into the same pass forward and backward); gradients flow to x (through the statistics),
 * gamma and beta. Uses the fused kernels when the active backend has them, else `tf.moments` +
 * `tf.batchNorm` (+ `tf.relu`), whose chained gradient is the same. Use `mean`/`variance` only to
 * update running statistics.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon = 1e-5,
  activation: BatchNormActivation = 'linear',
): BatchNormTrainingResult {
  const c = x.shape[x.shape.length - 1]!;
  if (x.rank < 2) throw new ShapeError('x', 'rank >= 2, channels last', x.shape);
  if (gamma.size !== c) throw new ShapeError('gamma', `[${c}] (the channels of x)`, gamma.shape);
  if (beta.size !== c) throw new ShapeError('beta', `[${c}] (the channels of x)`, beta.shape);
  const g = gamma.rank === 1 ? gamma : gamma.reshape([c]);
  const b = beta.rank === 1 ? beta : beta.reshape([c]);
  if (activation !== 'linear' && activation !== 'relu') {
    throw new ArgumentError('activation', `must be 'linear' or 'relu', got '${String(activation)}'`);
  }
  if (x.dtype === 'float32' && tf.getKernel(BN_TRAIN_KERNEL, tf.getBackend())) {
    ensureGradient();
    const [y, mean, variance] = tf.engine().runKernel(BN_TRAIN_KERNEL, { x, gamma: g, beta: b }, { epsilon, activation }) as tf.Tensor[];
    return { y: y!, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
  }
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const normalised = tf.batchNorm(x, mean as tf.Tensor1D, variance as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, epsilon);
  const y = activation === 'relu' ? tf.relu(normalised) : normalised;
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}
