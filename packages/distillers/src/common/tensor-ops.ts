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

/**
 * `out[b, i, j, c] = sum_{p, q} mh[i, p] * mw[j, q] * x[b, p, q, c]`: a separable resampling of
 * an NHWC tensor by two small matrices, as batched matrix products (whose gradients are matrix
 * products too, fast on every backend).
 */
function resample2d(x: tf.Tensor4D, mh: tf.Tensor2D, mw: tf.Tensor2D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const [outH, outW] = [mh.shape[0], mw.shape[0]];
  return tf.tidy(() => {
    const ph = tf.tile(mh.expandDims(0), [b, 1, 1]) as tf.Tensor3D;
    const pw = tf.tile(mw.expandDims(0), [b, 1, 1]) as tf.Tensor3D;
    const rows = tf.matMul(ph, x.reshape([b, h, w * c])).reshape([b, outH, w, c]);
    const cols = tf.matMul(pw, rows.transpose([0, 2, 1, 3]).reshape([b, w, outH * c])).reshape([b, outW, outH, c]);
    return cols.transpose([0, 2, 1, 3]) as tf.Tensor4D;
  });
}

/** `F.adaptive_avg_pool2d` on an NHWC tensor, for any input and output size. */
export function adaptiveAvgPool2d(x: tf.Tensor4D, outH: number, outW: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h === outH && w === outW) return x;
  return tf.tidy(() => resample2d(x, poolingMatrix(h, outH), poolingMatrix(w, outW)));
}

/** The 0/1 matrix of nearest-neighbour resampling along one axis: row `i` picks input `floor(i * n / out)`. */
function nearestMatrix(n: number, out: number): tf.Tensor2D {
  const m = new Float32Array(out * n);
  for (let i = 0; i < out; i++) m[i * n + Math.floor((i * n) / out)] = 1;
  return tf.tensor2d(m, [out, n]);
}

/**
 * `F.interpolate(x, (outH, outW), mode='nearest')` on an NHWC tensor: output pixel `i` reads input
 * `floor(i * in / out)`; its gradient sums the copies, as PyTorch's. (tfjs's
 * `resizeNearestNeighbor` gradient does not match PyTorch's, and gathers or tiles differentiate
 * through slow per-element kernels on the cpu backend.)
 */
export function nearestInterpolate(x: tf.Tensor4D, outH: number, outW: number): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h === outH && w === outW) return x;
  return tf.tidy(() => resample2d(x, nearestMatrix(h, outH), nearestMatrix(w, outW)));
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
