import * as tf from '@tensorflow/tfjs';
import { ArgumentError, asyncReadsOnly, ShapeError } from '@dkl/core';
import type { Norm } from './project.js';

/**
 * Checks an attack's inputs: `x` float [B, H, W, C] in [0, 1], `y` integer labels [B]. The value
 * range needs a synchronous read, so it is checked only where one is cheap (not on webgpu / webgl,
 * where PGD runs inside every adversarial training step).
 */
export function checkBatch(x: tf.Tensor, y: tf.Tensor, yName = 'y'): void {
  if (x.rank !== 4) throw new ShapeError('x', 'a rank-4 NHWC batch [B, H, W, C]', x.shape);
  if (y.rank !== 1 || y.shape[0] !== x.shape[0]) throw new ShapeError(yName, `a rank-1 label vector [${x.shape[0]}]`, y.shape);
  if (x.shape[0] === 0) throw new ShapeError('x', 'a non-empty batch', x.shape);
  if (asyncReadsOnly()) return;
  const [lo, hi] = tf.tidy(() => [tf.min(x), tf.max(x)]).map((t) => {
    const v = t.dataSync()[0]!;
    t.dispose();
    return v;
  });
  if (!(lo! >= 0 && hi! <= 1)) throw new ArgumentError('x', `values must lie in [0, 1] (got min ${lo}, max ${hi})`);
}

export function checkEps(eps: number, name = 'eps'): void {
  if (!Number.isFinite(eps) || eps < 0) throw new ArgumentError(name, `must be a finite number >= 0, got ${eps}`);
}

export function checkNorm(norm: unknown): asserts norm is Norm {
  if (norm !== 'linf' && norm !== 'l2') throw new ArgumentError('norm', `must be 'linf' or 'l2', got ${String(norm)}`);
}

export function checkPositiveInt(value: number, name: string, min = 1): void {
  if (!Number.isInteger(value) || value < min) throw new ArgumentError(name, `must be an integer >= ${min}, got ${value}`);
}

/** `value`, or `fallback` when it is undefined, checked to be an integer >= 1 (errors name `name`). */
export function positiveIntOption(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  checkPositiveInt(v, name);
  return v;
}

/** `norm`, `'linf'` when undefined, checked. */
export function normOption(norm: unknown): Norm {
  const n = norm ?? 'linf';
  checkNorm(n);
  return n;
}

/** Labels as int32 (a float label vector is cast; the caller disposes the result). */
export function asInt32(y: tf.Tensor): tf.Tensor {
  return y.dtype === 'int32' ? y.clone() : tf.tidy(() => y.toInt());
}
