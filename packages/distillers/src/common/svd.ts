import * as tf from '@tensorflow/tfjs';
import { symmetricEigen } from './eigen.js';

/**
 * The top `n` right singular vectors `[B, N, n]` and singular values `[B, n]` of each matrix of
 * `x` `[B, M, N]`: the eigenvectors of the Gram matrix X^T X (float64 Jacobi, see
 * {@link symmetricEigen} for the sign convention). Differentiable in the vectors, by the
 * eigenvector derivative of a symmetric matrix, G_bar = V (F o (V^T V_bar)) V^T with
 * F_ij = 1 / (lambda_j - lambda_i) off the diagonal, which is the gradient `torch.svd` gives
 * for V. The values carry no gradient (KDSVD reads only the teacher's). Reads `x` on the host.
 */
export function topRightSingular(x: tf.Tensor3D, n: number): { vectors: tf.Tensor3D; values: tf.Tensor2D } {
  const [batch, , width] = x.shape;
  const take = Math.min(n, width);
  const gram = tf.matMul(x, x, true, false) as tf.Tensor3D;
  const host = gram.dataSync();
  const decompositions = Array.from({ length: batch }, (_, b) => symmetricEigen(host.subarray(b * width * width, (b + 1) * width * width), width));
  const values = tf.tensor2d(
    Float32Array.from({ length: batch * take }, (_, i) => Math.sqrt(Math.max(decompositions[Math.floor(i / take)]!.values[i % take]!, 0))),
    [batch, take],
  );
  const eigenvectors = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const g = args[0] as tf.Tensor;
    const top = new Float32Array(batch * width * take);
    decompositions.forEach(({ vectors }, b) => {
      for (let r = 0; r < width; r++) for (let c = 0; c < take; c++) top[(b * width + r) * take + c] = vectors[r * width + c]!;
    });
    return {
      value: tf.tensor3d(top, [batch, width, take]),
      gradFunc: (dy: tf.Tensor) => gramGradient(dy.dataSync(), decompositions, width, take, g.shape as [number, number, number]),
    };
  });
  const vectors = eigenvectors(gram) as tf.Tensor3D;
  gram.dispose();
  return { vectors, values };
}

/** G_bar = V (F o (V^T V_bar)) V^T per matrix, with V_bar zero beyond the first `take` columns. */
function gramGradient(dy: ArrayLike<number>, decompositions: ReturnType<typeof symmetricEigen>[], width: number, take: number, shape: [number, number, number]): tf.Tensor3D {
  const out = new Float32Array(shape[0] * width * width);
  const inner = new Float64Array(width * width);
  decompositions.forEach(({ values, vectors: v }, b) => {
    // inner = F o (V^T V_bar): only columns j < take of V_bar are non-zero.
    inner.fill(0);
    for (let i = 0; i < width; i++) {
      for (let j = 0; j < take; j++) {
        if (i === j) continue;
        let dot = 0;
        for (let k = 0; k < width; k++) dot += v[k * width + i]! * dy[(b * width + k) * take + j]!;
        inner[i * width + j] = dot / (values[j]! - values[i]!);
      }
    }
    // V inner V^T
    for (let r = 0; r < width; r++) {
      for (let c = 0; c < width; c++) {
        let sum = 0;
        for (let i = 0; i < width; i++) {
          const vri = v[r * width + i]!;
          if (vri === 0) continue;
          for (let j = 0; j < take; j++) sum += vri * inner[i * width + j]! * v[c * width + j]!;
        }
        out[(b * width + r) * width + c] = sum;
      }
    }
  });
  return tf.tensor3d(out, shape);
}
