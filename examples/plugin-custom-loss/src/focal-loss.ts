import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '@dkl/core';

/**
 * Focal cross-entropy (Lin et al. 2017): mean_b -(1 - p_y)^gamma * log p_y. gamma = 0 is plain
 * cross-entropy. A pure function, like the framework's own losses.
 */
export function focalCrossEntropy(logits: tf.Tensor, labels: tf.Tensor, gamma: number): tf.Scalar {
  if (logits.rank !== 2) throw new ShapeError('logits', 'rank 2 [B, C]', logits.shape);
  if (labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) throw new ShapeError('labels', `[${logits.shape[0]}]`, labels.shape);
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits as tf.Tensor2D);
    const onehot = tf.oneHot(labels.cast('int32') as tf.Tensor1D, logits.shape[1]!);
    const logpY = logp.mul(onehot).sum(1);
    const weight = tf.sub(1, logpY.exp()).pow(gamma);
    return weight.mul(logpY).neg().mean() as tf.Scalar;
  });
}
