import * as tf from '@tensorflow/tfjs';
import { ArgumentError, SeededRng } from '@dkl/core';
import type { ForwardFn } from './forward.js';
import { rowMargins } from './losses.js';
import type { Norm } from './project.js';
import { squareL2Run } from './square-l2.js';
import { asInt32, checkBatch, checkEps, normOption, positiveIntOption } from './validate.js';

/** Options of {@link square}. */
export interface SquareOptions {
  /** Default `'linf'`; `'l2'` runs the reference's L2 version (images of at least 5x5 pixels). */
  readonly norm?: Norm;
  /** Radius of the threat model. */
  readonly eps: number;
  /** Queries (forward passes) per example and run (default 5000). */
  readonly queries?: number;
  /** Initial fraction of pixels a square covers (default 0.8). */
  readonly pInit?: number;
  /** Runs on the examples still robust (default 1). */
  readonly restarts?: number;
  readonly seed?: number | string;
  /** Rescale the p-schedule to `queries` as if it were 10,000 (default false, as AutoAttack). */
  readonly rescaleSchedule?: boolean;
}

/** Square's p-schedule (Andriushchenko et al. 2020): halve the square area at fixed iterations. */
export function squareP(pInit: number, iteration: number, queries: number, rescale = false): number {
  const it = rescale ? Math.floor((iteration / queries) * 10000) : iteration;
  const bounds = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  let halvings = 0;
  for (const bound of bounds) if (it > bound) halvings++;
  return pInit / 2 ** halvings;
}

/**
 * Square Attack (Andriushchenko et al. 2020), L-inf or L2 (see `square-l2.ts`): a score-based black-box random search. For L-inf it
 * starts from vertical stripes of ±eps and proposes, per example, a random square window whose
 * pixels jump to the opposite vertex (±eps per channel), keeping the proposal when the margin
 * loss `z_y - max_{j != y} z_j` decreases. Uses only forward passes. Returns the adversarial
 * batch (caller disposes): the misclassified point found, else the best point.
 */
export function square(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, options: SquareOptions): tf.Tensor {
  checkEps(options.eps);
  const queries = positiveIntOption(options.queries, 5000, 'queries');
  const restarts = positiveIntOption(options.restarts, 1, 'restarts');
  const pInit = options.pInit ?? 0.8;
  const norm = normOption(options.norm);
  checkBatch(x, y);
  const rng = new SeededRng(options.seed ?? 0);
  const eps = options.eps;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const dim = h * w * c;
  if (norm === 'l2' && (h < 5 || w < 5)) throw new ArgumentError('x', `the L2 Square attack needs images of at least 5x5 pixels (its initialisation tiles h // 5 squares), got ${h}x${w}`);
  const labelsT = asInt32(y);
  const labels = Int32Array.from(labelsT.dataSync() as Int32Array);
  const x0 = Float32Array.from(x.dataSync() as Float32Array);
  const out = Float32Array.from(x0);

  const margins = rowMargins(forward, labels, [h, w, c]);
  const rowsOf = (src: Float32Array, rows: number[]): Float32Array => {
    const buf = new Float32Array(rows.length * dim);
    rows.forEach((i, j) => buf.set(src.subarray(i * dim, (i + 1) * dim), j * dim));
    return buf;
  };

  try {
    const all = Array.from({ length: n }, (_, i) => i);
    const robust = Array.from(margins(x0, all), (m) => m > 0);
    for (let r = 0; r < restarts; r++) {
      const idx = robust.flatMap((ok, i) => (ok ? [i] : []));
      if (idx.length === 0) break;
      if (norm === 'l2') {
        const xBest = new Float32Array(n * dim);
        const p = (q: number) => squareP(pInit, q, queries, options.rescaleSchedule ?? false);
        const finalMargins = squareL2Run(forward, x0, labels, [n, h, w, c], idx, xBest, { eps, queries, p, rng });
        idx.forEach((i, j) => {
          out.set(xBest.subarray(i * dim, (i + 1) * dim), i * dim);
          if (finalMargins[j]! <= 0) robust[i] = false;
        });
        continue;
      }
      const xBest = new Float32Array(n * dim);
      // Vertical stripes: one random sign per (example, column, channel).
      for (const i of idx) {
        for (let col = 0; col < w; col++) {
          for (let ch = 0; ch < c; ch++) {
            const s = rng.bernoulli() ? eps : -eps;
            for (let row = 0; row < h; row++) {
              const p = i * dim + (row * w + col) * c + ch;
              xBest[p] = clip01(x0[p]! + s);
            }
          }
        }
      }
      const marginMin = new Float32Array(n).fill(-Infinity);
      const m0 = margins(rowsOf(xBest, idx), idx);
      idx.forEach((i, j) => (marginMin[i] = m0[j]!));

      for (let q = 0; q < queries; q++) {
        const active = idx.filter((i) => marginMin[i]! > 0);
        if (active.length === 0) break;
        const p = squareP(pInit, q, queries, options.rescaleSchedule ?? false);
        const s = Math.min(Math.max(Math.round(Math.sqrt((p * dim) / c)), 1), h, w);
        const proposal = rowsOf(xBest, active);
        active.forEach((i, j) => {
          const vh = rng.int(h - s + 1);
          const vw = rng.int(w - s + 1);
          for (let ch = 0; ch < c; ch++) {
            const jump = rng.bernoulli() ? 2 * eps : -2 * eps;
            for (let row = vh; row < vh + s; row++) {
              for (let col = vw; col < vw + s; col++) {
                const off = (row * w + col) * c + ch;
                const orig = x0[i * dim + off]!;
                const v = proposal[j * dim + off]! + jump;
                proposal[j * dim + off] = clip01(Math.min(Math.max(v, orig - eps), orig + eps));
              }
            }
          }
        });
        const m = margins(proposal, active);
        active.forEach((i, j) => {
          if (m[j]! < marginMin[i]!) {
            marginMin[i] = m[j]!;
            xBest.set(proposal.subarray(j * dim, (j + 1) * dim), i * dim);
          }
        });
      }
      for (const i of idx) {
        // Keep the found point; an unsuccessful later restart never overwrites a success.
        out.set(xBest.subarray(i * dim, (i + 1) * dim), i * dim);
        if (marginMin[i]! <= 0) robust[i] = false;
      }
    }
    return tf.tensor4d(out, [n, h, w, c]);
  } finally {
    labelsT.dispose();
  }
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
