import * as tf from '@tensorflow/tfjs';

/**
 * Row-wise dot product `sum_j a_bj * b_bj` as `[B, 1]`, computed by one batched matMul
 * (`[B, 1, C] x [B, C, 1]`) instead of a full-size multiply followed by a sum: one kernel and no
 * `[B, C]` temporary, which matters on backends where each kernel is a memory pass.
 */
export function rowDot(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  const [B, C] = a.shape;
  return tf.reshape(tf.matMul(tf.reshape(a, [B, 1, C]), tf.reshape(b, [B, C, 1])), [B, 1]);
}
