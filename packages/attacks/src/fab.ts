import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '@dkl/core';
import { projectOntoHyperplaneL2, projectOntoHyperplaneLinf } from './fab-projection.js';
import type { ForwardFn } from './forward.js';
import { disposeLossAndGrad, lossAndGrad, predict, readFloats } from './gradient.js';
import type { Norm } from './project.js';
import { asInt32, checkBatch, checkEps, checkPositiveInt, normOption, positiveIntOption } from './validate.js';

/** Options of {@link fab}. */
export interface FabOptions {
  /** Default `'linf'`. */
  readonly norm?: Norm;
  /** Radius: a minimal perturbation larger than eps (in `norm`) does not count. */
  readonly eps: number;
  /**
   * Default true (FAB-T: one run per target class ranked 2nd, 3rd...); false is the untargeted
   * FAB of AutoAttack's `plus` version, which linearises every class's boundary at each step
   * (one backward pass per class) and steps towards the closest.
   */
  readonly targeted?: boolean;
  /** Iterations per target and run (default 100). */
  readonly steps?: number;
  /** Target classes ranked 2nd, 3rd, ... by the clean logits (default 9, clamped to C - 1). */
  readonly nTargetClasses?: number;
  /** Runs per target; runs after the first start from a random point (default 1). */
  readonly restarts?: number;
  readonly seed?: number | string;
  /** Maximal bias of the step towards the original point (default 0.1). */
  readonly alphaMax?: number;
  /** Overshoot of the projection step (default 1.05). */
  readonly eta?: number;
  /** Backward step towards the original point after a success (default 0.9). */
  readonly beta?: number;
}

/**
 * FAB attack, L-inf or L2 (Croce & Hein 2020, "Minimally distorted adversarial examples with
 * a fast adaptive boundary attack"; fra31/auto-attack fab_pt.py `attack_single_run_targeted` and
 * `attack_single_run`): linearise the decision boundary between the true class and a target
 * class (targeted) or the closest class (untargeted), step onto it from the current and from the
 * original point, combine the two, and pull back towards the original point after each success
 * to shrink the perturbation. Returns the adversarial batch (caller disposes): the smallest
 * misclassified point found when its distance is <= eps, else the clean input.
 */
export function fab(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, options: FabOptions): tf.Tensor {
  checkEps(options.eps);
  const steps = positiveIntOption(options.steps, 100, 'steps');
  const restarts = positiveIntOption(options.restarts, 1, 'restarts');
  const norm = normOption(options.norm);
  checkBatch(x, y);
  const cfg: FabConfig = { steps, alphaMax: options.alphaMax ?? 0.1, eta: options.eta ?? 1.05, beta: options.beta ?? 0.9, eps: options.eps, norm };
  const rng = new SeededRng(options.seed ?? 0);
  const labelsT = asInt32(y);
  const labels = Int32Array.from(labelsT.dataSync() as Int32Array);
  labelsT.dispose();
  const n = x.shape[0]!;
  const shape = x.shape.slice(1);
  const dim = shape.reduce((a, b) => a * b, 1);
  const x0 = readFloats(x);
  const out = Float32Array.from(x0);

  const [predT, orderT] = tf.tidy(() => {
    const logits = forward(x);
    return [tf.argMax(logits, 1), tf.topk(logits, logits.shape[1]!).indices];
  });
  const numClasses = orderT!.shape[1]!;
  const robust = Array.from(predT!.dataSync(), (p, i) => p === labels[i]);
  const order = Int32Array.from(orderT!.dataSync() as Int32Array);
  tf.dispose([predT!, orderT!]);
  const targeted = options.targeted ?? true;
  const k = targeted ? Math.min(options.nTargetClasses ?? 9, numClasses - 1) : 1;
  checkPositiveInt(k, 'nTargetClasses');

  // Untargeted: one pass over the ranks with rank 0 meaning "the closest boundary".
  for (let rank = targeted ? 2 : 0; rank <= (targeted ? k + 1 : 0); rank++) {
    for (let r = 0; r < restarts; r++) {
      const idx = robust.flatMap((ok, i) => (ok ? [i] : []));
      if (idx.length === 0) break;
      const xs = new Float32Array(idx.length * dim);
      idx.forEach((i, j) => xs.set(x0.subarray(i * dim, (i + 1) * dim), j * dim));
      const ys = Int32Array.from(idx, (i) => labels[i]!);
      const ts = targeted ? Int32Array.from(idx, (i) => order[i * numClasses + rank - 1]!) : undefined;
      const { adv, dist } = fabRun(forward, xs, ys, ts, [idx.length, ...shape], cfg, r > 0 ? rng : undefined);
      idx.forEach((i, j) => {
        if (dist[j]! <= cfg.eps) {
          out.set(adv.subarray(j * dim, (j + 1) * dim), i * dim);
          robust[i] = false;
        }
      });
    }
  }
  return tf.tensor(out, x.shape, 'float32');
}

interface FabConfig {
  readonly steps: number;
  readonly alphaMax: number;
  readonly eta: number;
  readonly beta: number;
  readonly eps: number;
  readonly norm: Norm;
}

/**
 * One FAB run on flattened examples: targeted towards `targets` (the reference's
 * `attack_single_run_targeted`), or untargeted towards the closest linearised boundary when
 * `targets` is undefined (its `attack_single_run`).
 */
function fabRun(
  forward: ForwardFn,
  x0: Float32Array,
  labels: Int32Array,
  targets: Int32Array | undefined,
  shape: number[],
  cfg: FabConfig,
  startRng: SeededRng | undefined,
): { adv: Float32Array; dist: Float64Array } {
  const b = labels.length;
  const dim = x0.length / b;
  const l2 = cfg.norm === 'l2';
  const adv = Float32Array.from(x0);
  const dist = new Float64Array(b).fill(Infinity);
  const x1 = Float32Array.from(x0);
  if (startRng) {
    // Restarts start at half the radius in a random direction (uniform in the cube for L-inf,
    // Gaussian for L2), as the reference's `use_rand_start`.
    for (let j = 0; j < b; j++) {
      const t = new Float64Array(dim);
      for (let i = 0; i < dim; i++) t[i] = l2 ? startRng.normal() : startRng.uniform(-1, 1);
      const m = l2 ? Math.sqrt(t.reduce((acc, v) => acc + v * v, 0)) : t.reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);
      for (let i = 0; i < dim; i++) x1[j * dim + i] = clip01(x0[j * dim + i]! + (cfg.eps * t[i]!) / (m || 1) / 2);
    }
  }
  const project = l2 ? projectOntoHyperplaneL2 : projectOntoHyperplaneLinf;
  const size = l2 ? l2Norm : maxAbs;
  const boundary = targets ? targetedBoundary(labels, targets) : closestBoundary(labels, l2);
  try {
    for (let it = 0; it < cfg.steps; it++) {
      const xt = tf.tensor(x1, shape, 'float32');
      let plane: { df: Float32Array; dg: Float32Array };
      try {
        plane = boundary.linearise(forward, xt);
      } finally {
        xt.dispose();
      }
      const { df, dg } = plane;
      for (let j = 0; j < b; j++) {
        const lo = j * dim;
        const w = dg.subarray(lo, lo + dim);
        const p1 = x1.subarray(lo, lo + dim);
        const p0 = x0.subarray(lo, lo + dim);
        let wx = 0;
        for (let i = 0; i < dim; i++) wx += w[i]! * p1[i]!;
        const c = wx - df[j]!; // the linearised boundary: w·z = c
        const d1 = project(p1, w, c);
        const d2 = project(p0, w, c);
        const a1 = Math.max(size(d1), 1e-8);
        const a2 = Math.max(size(d2), 1e-8);
        const alpha = Math.min(Math.max(a1 / (a1 + a2), 0), cfg.alphaMax);
        for (let i = 0; i < dim; i++) {
          p1[i] = clip01((p1[i]! + cfg.eta * d1[i]!) * (1 - alpha) + (p0[i]! + cfg.eta * d2[i]!) * alpha);
        }
      }
      const probe = tf.tensor(x1, shape, 'float32');
      const pred = predict(forward, probe);
      probe.dispose();
      for (let j = 0; j < b; j++) {
        if (pred[j] === labels[j]) continue;
        const lo = j * dim;
        const t = distance(x1.subarray(lo, lo + dim), x0.subarray(lo, lo + dim), l2);
        if (t < dist[j]!) {
          adv.set(x1.subarray(lo, lo + dim), lo);
          dist[j] = t;
        }
        for (let i = 0; i < dim; i++) x1[lo + i] = x0[lo + i]! + (x1[lo + i]! - x0[lo + i]!) * cfg.beta;
      }
    }
  } finally {
    boundary.dispose();
  }
  return { adv, dist };
}

/** A linearised decision boundary per example at the current points: w = dg, w·(z - x) = -df. */
interface Boundary {
  linearise(forward: ForwardFn, x: tf.Tensor): { df: Float32Array; dg: Float32Array };
  dispose(): void;
}

/** FAB-T: the boundary between the true class and the target, z_t - z_y (one backward pass). */
function targetedBoundary(labels: Int32Array, targets: Int32Array): Boundary {
  const ys = tf.tensor1d(labels, 'int32');
  const ts = tf.tensor1d(targets, 'int32');
  const objective = (logits: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const c = logits.shape[1]!;
      return tf.sum(logits.mul(tf.oneHot(ts, c).sub(tf.oneHot(ys, c))), 1);
    });
  return {
    linearise(forward, x) {
      const lg = lossAndGrad(forward, x, objective);
      try {
        return { df: readFloats(lg.loss), dg: readFloats(lg.grad) };
      } finally {
        disposeLossAndGrad(lg);
      }
    },
    dispose: () => tf.dispose([ys, ts]),
  };
}

/**
 * Untargeted FAB: every class k's boundary z_k - z_y (the reference's
 * `get_diff_logits_grads_batch`, one backward pass per class), and per example the one closest
 * in the dual norm, |df_k| / ||dg_k||_dual (L1 for L-inf, L2 for L2).
 */
function closestBoundary(labels: Int32Array, l2: boolean): Boundary {
  return {
    linearise(forward, x) {
      const b = labels.length;
      const dim = x.size / b;
      const logitsT = tf.tidy(() => forward(x));
      const logits = readFloats(logitsT);
      const classes = logitsT.shape[1]!;
      logitsT.dispose();
      const grads: Float32Array[] = [];
      for (let k = 0; k < classes; k++) {
        const lg = lossAndGrad(forward, x, (z) => tf.tidy(() => z.slice([0, k], [-1, 1]).reshape([-1])));
        grads.push(readFloats(lg.grad));
        disposeLossAndGrad(lg);
      }
      const df = new Float32Array(b);
      const dg = new Float32Array(b * dim);
      for (let j = 0; j < b; j++) {
        const y = labels[j]!;
        const gy = grads[y]!.subarray(j * dim, (j + 1) * dim);
        let best = Infinity;
        for (let k = 0; k < classes; k++) {
          if (k === y) continue; // the reference sets df[y] = 1e10
          const gk = grads[k]!.subarray(j * dim, (j + 1) * dim);
          let norm = 0;
          for (let i = 0; i < dim; i++) {
            const v = gk[i]! - gy[i]!;
            norm = l2 ? norm + v * v : norm + Math.abs(v);
          }
          const f = logits[j * classes + k]! - logits[j * classes + y]!;
          const closeness = Math.abs(f) / (1e-12 + (l2 ? Math.sqrt(norm) : norm));
          if (closeness < best) {
            best = closeness;
            df[j] = f;
            for (let i = 0; i < dim; i++) dg[j * dim + i] = gk[i]! - gy[i]!;
          }
        }
      }
      return { df, dg };
    },
    dispose: () => undefined,
  };
}

/** Distance of a found point (float64 over the stored float32 pixels): L-inf or L2. */
export function distance(a: Float32Array, b: Float32Array, l2: boolean): number {
  let t = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i]! - b[i]!;
    t = l2 ? t + v * v : Math.max(t, Math.abs(v));
  }
  return l2 ? Math.sqrt(t) : t;
}

function l2Norm(v: Float32Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m += v[i]! * v[i]!;
  return Math.sqrt(m);
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function maxAbs(v: Float32Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}
