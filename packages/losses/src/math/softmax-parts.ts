import * as tf from '@tensorflow/tfjs';

/** Softmax probabilities and log-probabilities of each row, sharing one exp pass. */
export interface SoftmaxParts {
  /** `softmax(x / temperature)` per row, [B, C]. */
  readonly probs: tf.Tensor2D;
  /** `log_softmax(x / temperature)` per row, [B, C]; finite for any finite input. */
  readonly logProbs: tf.Tensor2D;
}

/** `x / temperature`, skipping the op when the temperature is 1. */
export function scaleLogits(x: tf.Tensor2D, temperature: number): tf.Tensor2D {
  return temperature === 1 ? x : tf.mul(x, 1 / temperature);
}

/**
 * Row-wise softmax and log-softmax of `x / temperature`, max-shifted so logits of any finite
 * magnitude give finite log-probabilities (the shift is applied before scaling so `x / T` cannot
 * overflow for small T).
 */
export function softmaxParts(x: tf.Tensor2D, temperature = 1): SoftmaxParts {
  const shifted = scaleLogits(tf.sub(x, tf.max(x, 1, true)), temperature);
  const exp = tf.exp(shifted);
  const sum = tf.sum(exp, 1, true);
  return { probs: tf.div(exp, sum), logProbs: tf.sub(shifted, tf.log(sum)) };
}

/** Max-shifted, scaled logits `(x - max) / T`, their exp and its row sum (one exp pass). */
export function shiftedExp(x: tf.Tensor2D, temperature = 1): { shifted: tf.Tensor2D; exp: tf.Tensor2D; sum: tf.Tensor2D } {
  const shifted = scaleLogits(tf.sub(x, tf.max(x, 1, true)), temperature);
  const exp = tf.exp(shifted);
  return { shifted, exp, sum: tf.sum(exp, 1, true) };
}
