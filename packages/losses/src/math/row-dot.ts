import * as tf from '@tensorflow/tfjs';

/**
 * Row-wise dot product `sum_j a_bj * b_bj` as `[B, 1]`: a multiply and a row sum, never a matMul.
 * Backends with a bf16 mode (dkl-native) round matMul operands to bf16, and a loss must stay
 * fp32 whatever the precision of the model's layers; the `[B, C]` temporary is small next to
 * the logits it comes from.
 */
export function rowDot(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return tf.sum(tf.mul(a, b), 1, true) as tf.Tensor2D;
}
