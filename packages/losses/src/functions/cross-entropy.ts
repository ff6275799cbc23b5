import * as tf from '@tensorflow/tfjs';
import { ArgumentError } from '@dkl/core/errors';
import { softmaxParts } from '../math/softmax-parts.js';
import { scalarCustomGrad } from '../math/custom-grad.js';
import { assertLabels, assertLogits, assertSoftTargets, checkValues } from '../validation/check-inputs.js';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /**
   * Label smoothing `s` in [0, 1): the target keeps `1 - s` on the true class and spreads
   * `s / (C - 1)` over the other classes (the authors' adversarial-training helper). Default 0.
   */
  readonly labelSmoothing?: number;
  /**
   * Check inputs for NaN/Inf and labels for range (one small device read). Default true; turn
   * off only in hot loops where the inputs are already known to be valid. Shape checks always run.
   */
  readonly validate?: boolean;
}

/**
 * Cross-entropy `-mean_b sum_j y_bj log_softmax(logits_b)_j` against hard labels or soft targets
 * (mixup / CutMix), with optional label smoothing (applied to soft targets as to one-hot rows:
 * `(1 - s) y + s (1 - y) / (C - 1)`). Gradient `(softmax(logits) - y) / B` via a custom gradient.
 *
 * @param logits - float32 `[B, C]`.
 * @param labels - int32 `[B]` with values in `[0, C)`, or float32 `[B, C]` soft targets whose rows sum to 1.
 * @returns a scalar.
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, options: CrossEntropyOptions = {}): tf.Scalar {
  assertLogits('logits', logits);
  const [batch, numClasses] = logits.shape as [number, number];
  const soft = labels instanceof tf.Tensor && labels.rank === 2;
  if (soft) assertSoftTargets('labels', labels, batch, numClasses);
  else assertLabels('labels', labels, batch, 'logits');
  const smoothing = options.labelSmoothing ?? 0;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing < 1)) {
    throw new ArgumentError('options.labelSmoothing', `must be a number in [0, 1), got ${String(smoothing)}`);
  }
  if (options.validate !== false) {
    checkValues(soft ? { finite: [['logits', logits]], nonNegative: [['labels', labels]] } : { finite: [['logits', logits]], labels: { name: 'labels', tensor: labels, numClasses } });
  }

  const onHot = 1 - smoothing;
  const offHot = smoothing / (numClasses - 1);
  const loss = scalarCustomGrad(([x], save) => {
    const { probs, logProbs } = softmaxParts(x as tf.Tensor2D);
    const target = soft ? tf.add(tf.mul(labels, onHot - offHot), offHot) : tf.oneHot(labels as tf.Tensor1D, numClasses, onHot, offHot, 'float32');
    save([probs, target]);
    const value = tf.mul(tf.sum(tf.mul(target, logProbs)), -1 / batch) as tf.Scalar;
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(tf.sub(saved[0]!, saved[1]!), tf.mul(dy, 1 / batch))],
    };
  });
  return loss(logits) as tf.Scalar;
}
