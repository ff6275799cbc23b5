import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '@dkl/core';
import type { Matrix } from './reference.js';

/** Seeded normal logits of the given scale, rounded to float32 so tfjs and the reference see the same numbers. */
export function randomLogits(rng: SeededRng, batch: number, classes: number, scale: number): Matrix {
  return Array.from({ length: batch }, () => Array.from({ length: classes }, () => Math.fround(rng.normal() * scale)));
}

export function randomLabels(rng: SeededRng, batch: number, classes: number): number[] {
  return Array.from({ length: batch }, () => rng.int(classes));
}

/** Row-normalised positive weights (like class-prior rows), float32-rounded. */
export function randomPriorRows(rng: SeededRng, batch: number, classes: number): Matrix {
  return Array.from({ length: batch }, () => {
    const raw = Array.from({ length: classes }, () => Math.exp(rng.normal()));
    const s = raw.reduce((a, b) => a + b, 0);
    return raw.map((v) => Math.fround(v / s));
  });
}

export const toTensor = (m: Matrix): tf.Tensor2D => tf.tensor2d(m, [m.length, m[0]!.length], 'float32');

/** Value and gradients of `f` at `inputs`, read back as plain arrays; frees every tensor. */
export function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Scalar, inputs: Matrix[]): { value: number; grads: Matrix[] } {
  const xs = inputs.map(toTensor);
  const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => f(...args))(xs);
  const out = { value: value.dataSync()[0]!, grads: grads.map((g) => g.arraySync() as Matrix) };
  tf.dispose([value, ...grads, ...xs]);
  return out;
}

/**
 * Error of a float32 gradient against the float64 reference, per row relative to the row's
 * largest reference entry: `max_j |g_bj - ref_bj| / max_j |ref_bj|` (0/0 counts as 0).
 */
export function rowRelativeError(actual: Matrix, expected: Matrix): number {
  let worst = 0;
  expected.forEach((row, b) => {
    const scale = Math.max(...row.map(Math.abs));
    const err = Math.max(...row.map((v, j) => Math.abs(actual[b]![j]! - v)));
    if (err === 0) return;
    worst = Math.max(worst, scale === 0 ? Infinity : err / scale);
  });
  return worst;
}

export const relativeError = (actual: number, expected: number): number =>
  actual === expected ? 0 : Math.abs(actual - expected) / Math.abs(expected);
