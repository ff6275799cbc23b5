/** Small differentiable helpers with PyTorch semantics, on NHWC / row-major tensors. */
import * as tf from '@tensorflow/tfjs';

/**
 * `F.normalize(x, p=2, dim=axis)`: `x / max(||x||_2, eps)` along `axis`. Written as
 * `sqrt(max(sum x^2, eps^2))` (the same value) so a zero vector (RKD's diagonal) gets a zero
 * gradient, as in PyTorch, instead of 0 * inf from the square root.
 */
export function l2Normalize(x: tf.Tensor, axis: number, eps = 1e-12): tf.Tensor {
  return tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), axis, true), eps * eps)));
}

/**
 * PyTorch's adaptive average pooling weights for one axis: row `k` averages input indices
 * `floor(k * n / out)` .. `ceil((k + 1) * n / out) - 1`.
 */
function poolingMatrix(n: number, out: number): tf.Tensor2D {
  const m = new Float32Array(out * n);
  for (let k = 0; k < out; k++) {
    const start = Math.floor((k * n) / out);
    const end = Math.ceil(((k + 1) * n) / out);
    for (let i = start; i < end; i++) m[k * n + i] = 1 / (end - start);
  }
  return tf.tensor2d(m, [out, n]);
}

/** `F.adaptive_avg_pool2d` on an NHWC tensor, for any input and output size. */
export function adaptiveAvgPool2d(x: tf.Tensor4D, outH: number, outW: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (h === outH && w === outW) return x;
  return tf.tidy(() => {
    const ph = tf.tile(poolingMatrix(h, outH).expandDims(0), [b, 1, 1]) as tf.Tensor3D;
    const pw = tf.tile(poolingMatrix(w, outW).expandDims(0), [b, 1, 1]) as tf.Tensor3D;
    const rows = tf.matMul(ph, x.reshape([b, h, w * c])).reshape([b, outH, w, c]);
    const cols = tf.matMul(pw, rows.transpose([0, 2, 1, 3]).reshape([b, w, outH * c])).reshape([b, outW, outH, c]);
    return cols.transpose([0, 2, 1, 3]) as tf.Tensor4D;
  });
}

/**
 * mdistiller's spatial matching of a student/teacher pair (AT, NST): the larger map is
 * adaptively average-pooled to the smaller one's height (square output, as the reference does).
 */
export function matchSpatial(fs: tf.Tensor4D, ft: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const sH = fs.shape[1];
  const tH = ft.shape[1];
  if (sH > tH) return [adaptiveAvgPool2d(fs, tH, tH), ft];
  if (sH < tH) return [fs, adaptiveAvgPool2d(ft, sH, sH)];
  return [fs, ft];
}

/** `x.view(B, -1)`. */
export function flattenBatch(x: tf.Tensor): tf.Tensor2D {
  return x.reshape([x.shape[0]!, -1]);
}
