import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ShapeError } from '@dkl/core';

/**
 * Projects `xAdv` onto the L-inf ball of radius `eps` around `x` and onto the image box [0, 1]:
 * the constraint every attack in this package keeps after each step.
 */
export function projectLinf(xAdv: tf.Tensor, x: tf.Tensor, eps: number): tf.Tensor {
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError('eps', `must be a finite number >= 0, got ${eps}`);
  if (xAdv.shape.join() !== x.shape.join()) throw new ShapeError('xAdv', `the shape of x [${x.shape.join(', ')}]`, xAdv.shape);
  return tf.tidy(() => tf.clipByValue(tf.minimum(tf.maximum(xAdv, x.sub(eps)), x.add(eps)), 0, 1));
}
