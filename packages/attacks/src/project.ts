import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ShapeError } from '@dkl/core';

/** The threat models this package attacks under. */
export type Norm = 'linf' | 'l2';

function checkProjectionArgs(xAdv: tf.Tensor, x: tf.Tensor, eps: number): void {
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError('eps', `must be a finite number >= 0, got ${eps}`);
  if (xAdv.shape.join() !== x.shape.join()) throw new ShapeError('xAdv', `the shape of x [${x.shape.join(', ')}]`, xAdv.shape);
}

/**
 * Projects `xAdv` onto the L-inf ball of radius `eps` around `x` and onto the image box [0, 1]:
 * the constraint every attack in this package keeps after each step.
 */
export function projectLinf(xAdv: tf.Tensor, x: tf.Tensor, eps: number): tf.Tensor {
  checkProjectionArgs(xAdv, x, eps);
  return tf.tidy(() => tf.clipByValue(tf.minimum(tf.maximum(xAdv, x.sub(eps)), x.add(eps)), 0, 1));
}

/** Per-example L2 norm of a batch `[B, ...]`, shaped `[B, 1, ..., 1]` for broadcasting. */
export function perExampleL2(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axes = t.shape.map((_, i) => i).slice(1);
    return tf.sqrt(tf.sum(tf.square(t), axes, true));
  });
}

/** Per-example L-inf norm of a batch `[B, ...]`, shaped `[B, 1, ..., 1]`. */
export function perExampleLinf(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const axes = t.shape.map((_, i) => i).slice(1);
    return tf.max(tf.abs(t), axes, true);
  });
}

/**
 * Projects `xAdv` onto the L2 ball of radius `eps` around `x` (per example), then onto [0, 1].
 * Clipping to the box after the ball keeps the point in the ball: x is in the box, so clipping
 * only shrinks each coordinate of the perturbation.
 */
export function projectL2(xAdv: tf.Tensor, x: tf.Tensor, eps: number): tf.Tensor {
  checkProjectionArgs(xAdv, x, eps);
  return tf.tidy(() => {
    const delta = xAdv.sub(x);
    const factor = tf.minimum(1, tf.div(eps, perExampleL2(delta).add(1e-12)));
    return tf.clipByValue(x.add(delta.mul(factor)), 0, 1);
  });
}

/** Projects onto the `norm` ball of radius `eps` around `x` and onto [0, 1]. */
export function projectToThreatModel(xAdv: tf.Tensor, x: tf.Tensor, eps: number, norm: Norm): tf.Tensor {
  return norm === 'linf' ? projectLinf(xAdv, x, eps) : projectL2(xAdv, x, eps);
}
