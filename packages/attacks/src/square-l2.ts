/**
 * Square Attack, L2 (Andriushchenko et al. 2020), as in AutoAttack's `SquareAttack`
 * (fra31/auto-attack, autoattack/square.py, `attack_single_run`, the `norm == 'L2'` branch).
 * Pure JS over NHWC pixel buffers; only forward passes.
 */
import type { SeededRng } from '@dkl/core';
import type { ForwardFn } from './forward.js';
import { rowMargins } from './losses.js';

/**
 * The reference's `eta_rectangles(x, y)`: nested rectangles around the centre, the k-th
 * (0-based) adding 1 / (k + 1)^2, scaled to unit L2 norm. Row-major `[rows][cols]`.
 */
export function etaRectangles(rows: number, cols: number): Float64Array {
  const delta = new Float64Array(rows * cols);
  const xc = Math.floor(rows / 2) + 1;
  const yc = Math.floor(cols / 2) + 1;
  let c0 = xc - 1;
  let c1 = yc - 1;
  for (let k = 0; k < Math.max(xc, yc); k++) {
    const r1 = Math.min(c0 + 2 * k + 1, rows);
    const q1 = Math.min(c1 + 2 * k + 1, cols);
    for (let r = Math.max(c0, 0); r < r1; r++) for (let q = Math.max(c1, 0); q < q1; q++) delta[r * cols + q]! += 1 / (k + 1) ** 2;
    c0--;
    c1--;
  }
  return normalised(delta);
}

/**
 * The reference's `meta_pseudo_gaussian_pert(s)`: the upper half `eta_rectangles(s // 2, s)`,
 * the lower half its negative over the remaining rows, unit L2 norm, transposed with probability
 * 1/2 (one draw of `rng`).
 */
export function metaPseudoGaussianPert(s: number, rng: SeededRng): Float64Array {
  const half = Math.floor(s / 2);
  const delta = new Float64Array(s * s);
  delta.set(etaRectangles(half, s), 0);
  const lower = etaRectangles(s - half, s);
  for (let i = 0; i < lower.length; i++) delta[half * s + i] = -lower[i]!;
  const unit = normalised(delta);
  if (!(rng.float() > 0.5)) return unit;
  const transposed = new Float64Array(s * s);
  for (let r = 0; r < s; r++) for (let q = 0; q < s; q++) transposed[q * s + r] = unit[r * s + q]!;
  return transposed;
}

/** Python's `round` (half to even), which the reference uses for the square size. */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const diff = v - f;
  if (diff > 0.5) return f + 1;
  if (diff < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Side of the L2 square at query `i` (`p_selection` then `max(round(sqrt(p·d/c)), 3)`, made odd). */
export function squareL2Side(p: number, h: number, w: number, c: number): number {
  let s = Math.max(roundHalfEven(Math.sqrt((p * h * w * c) / c)), 3);
  if (s % 2 === 0) s++;
  // The reference assumes s <= h, w (true for pInit <= 0.8 on images of 5x5 and more).
  return Math.min(s, h, w);
}

export interface SquareL2Run {
  readonly eps: number;
  readonly queries: number;
  /** p of query i (the reference's `p_selection`). */
  readonly p: (iteration: number) => number;
  readonly rng: SeededRng;
}

/**
 * One run on the examples `idx` (all classified correctly) of `x0` (NHWC, `[n, h, w, c]`
 * flattened; h, w >= 5, checked by `square`). Writes each example's best point into `xBest` and returns its final margin
 * (<= 0: misclassified).
 */
export function squareL2Run(
  forward: ForwardFn,
  x0: Float32Array,
  labels: Int32Array,
  shape: readonly [number, number, number, number],
  idx: readonly number[],
  xBest: Float32Array,
  cfg: SquareL2Run,
): Float32Array {
  const [, h, w, c] = shape;
  const dim = h * w * c;
  const { eps, rng } = cfg;
  const margins = rowMargins(forward, labels, [h, w, c]);
  const at = (row: number, col: number, ch: number) => (row * w + col) * c + ch;
  /** x + eps · delta / (||delta|| + 1e-12), clamped to [0, 1] (the reference's `normalize` then clamp). */
  const place = (i: number, delta: Float64Array, target: Float32Array, offset: number): void => {
    let sq = 0;
    for (let k = 0; k < dim; k++) sq += delta[k]! * delta[k]!;
    const scale = eps / (Math.sqrt(sq) + 1e-12);
    for (let k = 0; k < dim; k++) target[offset + k] = clip01(x0[i * dim + k]! + delta[k]! * scale);
  };

  // Initialisation: a grid of s x s pseudo-Gaussian bumps, s = h // 5, one sign per (example, channel, bump).
  const s0 = Math.floor(h / 5);
  const start = Math.floor((h - s0 * 5) / 2);
  const deltas = idx.map(() => new Float64Array(dim));
  let vh = start;
  for (let a = 0; a < Math.floor(h / s0); a++) {
    let vw = start;
    for (let b = 0; b < Math.floor(w / s0); b++) {
      const pert = metaPseudoGaussianPert(s0, rng);
      for (const delta of deltas) {
        for (let ch = 0; ch < c; ch++) {
          const sign = rng.bernoulli() ? 1 : -1;
          for (let r = 0; r < s0 && vh + r < h; r++) for (let q = 0; q < s0 && vw + q < w; q++) delta[at(vh + r, vw + q, ch)]! += sign * pert[r * s0 + q]!;
        }
      }
      vw += s0;
    }
    vh += s0;
  }
  const init = new Float32Array(idx.length * dim);
  idx.forEach((i, j) => place(i, deltas[j]!, init, j * dim));
  idx.forEach((i, j) => xBest.set(init.subarray(j * dim, (j + 1) * dim), i * dim));
  const marginMin = margins(init, idx);

  const etaCache = new Map<number, Float64Array>();
  for (let q = 0; q < cfg.queries; q++) {
    const active = idx.flatMap((i, j) => (marginMin[j]! > 0 ? [j] : []));
    if (active.length === 0) break;
    const s = squareL2Side(cfg.p(q), h, w, c);
    let eta = etaCache.get(s);
    if (!eta) etaCache.set(s, (eta = etaRectangles(s, s)));
    // One window pair for the whole batch (the reference's `random_int`: [0, h - s)).
    const vh1 = Math.floor(rng.float() * (h - s));
    const vw1 = Math.floor(rng.float() * (w - s));
    const vh2 = Math.floor(rng.float() * (h - s));
    const vw2 = Math.floor(rng.float() * (w - s));
    const inWindow = (row: number, col: number, vr: number, vc: number) => row >= vr && row < vr + s && col >= vc && col < vc + s;
    const proposal = new Float32Array(active.length * dim);
    active.forEach((j, a) => {
      const i = idx[j]!;
      const delta = new Float64Array(dim);
      for (let k = 0; k < dim; k++) delta[k] = xBest[i * dim + k]! - x0[i * dim + k]!;
      let normImage = 0;
      let normWindows = 0;
      for (let row = 0; row < h; row++) {
        for (let col = 0; col < w; col++) {
          const inUnion = inWindow(row, col, vh1, vw1) || inWindow(row, col, vh2, vw2);
          for (let ch = 0; ch < c; ch++) {
            const v = delta[at(row, col, ch)]!;
            normImage += v * v;
            if (inUnion) normWindows += v * v;
          }
        }
      }
      // Per channel: eta · random sign + the old window's direction, rescaled so the image keeps its budget.
      const budget = Math.sqrt(Math.max(eps * eps - normImage, 0) / c + normWindows);
      const fresh = new Float64Array(s * s * c);
      for (let ch = 0; ch < c; ch++) {
        let normOld = 0;
        for (let r = 0; r < s; r++) for (let t = 0; t < s; t++) normOld += delta[at(vh1 + r, vw1 + t, ch)]! ** 2;
        normOld = Math.sqrt(normOld);
        const sign = rng.bernoulli() ? 1 : -1;
        let normNew = 0;
        for (let r = 0; r < s; r++) {
          for (let t = 0; t < s; t++) {
            const v = eta![r * s + t]! * sign + delta[at(vh1 + r, vw1 + t, ch)]! / (1e-12 + normOld);
            fresh[(r * s + t) * c + ch] = v;
            normNew += v * v;
          }
        }
        const scale = budget / (1e-12 + Math.sqrt(normNew));
        for (let r = 0; r < s * s; r++) fresh[r * c + ch]! *= scale;
      }
      for (let r = 0; r < s; r++) for (let t = 0; t < s; t++) for (let ch = 0; ch < c; ch++) delta[at(vh2 + r, vw2 + t, ch)] = 0;
      for (let r = 0; r < s; r++) for (let t = 0; t < s; t++) for (let ch = 0; ch < c; ch++) delta[at(vh1 + r, vw1 + t, ch)] = fresh[(r * s + t) * c + ch]!;
      place(i, delta, proposal, a * dim);
    });
    const m = margins(proposal, active.map((j) => idx[j]!));
    active.forEach((j, a) => {
      // Keep the proposal when the margin loss went down or the example is misclassified.
      if (m[a]! < marginMin[j]! || m[a]! <= 0) {
        marginMin[j] = m[a]!;
        xBest.set(proposal.subarray(a * dim, (a + 1) * dim), idx[j]! * dim);
      }
    });
  }
  return marginMin;
}

function normalised(v: Float64Array): Float64Array {
  let sq = 0;
  for (let i = 0; i < v.length; i++) sq += v[i]! * v[i]!;
  const norm = Math.sqrt(sq);
  if (norm > 0) for (let i = 0; i < v.length; i++) v[i]! /= norm;
  return v;
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
