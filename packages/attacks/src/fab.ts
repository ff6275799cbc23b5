import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '@dkl/core';
import { projectOntoHyperplaneLinf } from './fab-projection.js';
import type { ForwardFn } from './forward.js';
import { disposeLossAndGrad, lossAndGrad, predict, readFloats } from './gradient.js';
import { asInt32, checkBatch, checkEps, checkPositiveInt } from './validate.js';

/** Options of {@link fab}. */
export interface FabOptions {
  /** L-inf radius: a minimal perturbation larger than eps does not count. */
  readonly eps: number;
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
 * Targeted FAB attack, L-inf (Croce & Hein 2020, "Minimally distorted adversarial examples with
 * a fast adaptive boundary attack"): linearise the decision boundary between the true class
 * and a target class, step onto it from the current and from the original point, combine the
 * two, and pull back towards the original point after each success to shrink the perturbation.
 * Returns the adversarial batch (caller disposes): the smallest misclassified point found when
 * its L-inf distance is <= eps, else the clean input.
 */
export function fab(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, options: FabOptions): tf.Tensor {
  checkEps(options.eps);
  const steps = options.steps ?? 100;
  checkPositiveInt(steps, 'steps');
  const restarts = options.restarts ?? 1;
  checkPositiveInt(restarts, 'restarts');
  checkBatch(x, y);
  const cfg = { steps, alphaMax: options.alphaMax ?? 0.1, eta: options.eta ?? 1.05, beta: options.beta ?? 0.9, eps: options.eps };
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
  const k = Math.min(options.nTargetClasses ?? 9, numClasses - 1);
  checkPositiveInt(k, 'nTargetClasses');

  for (let rank = 2; rank <= k + 1; rank++) {
    for (let r = 0; r < restarts; r++) {
      const idx = robust.flatMap((ok, i) => (ok ? [i] : []));
      if (idx.length === 0) break;
      const xs = new Float32Array(idx.length * dim);
      idx.forEach((i, j) => xs.set(x0.subarray(i * dim, (i + 1) * dim), j * dim));
      const ys = Int32Array.from(idx, (i) => labels[i]!);
      const ts = Int32Array.from(idx, (i) => order[i * numClasses + rank - 1]!);
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
}

/** One targeted FAB run (the reference's `attack_single_run_targeted`), on flattened examples. */
function fabRun(
  forward: ForwardFn,
  x0: Float32Array,
  labels: Int32Array,
  targets: Int32Array,
  shape: number[],
  cfg: FabConfig,
  startRng: SeededRng | undefined,
): { adv: Float32Array; dist: Float64Array } {
  const b = labels.length;
  const dim = x0.length / b;
  const adv = Float32Array.from(x0);
  const dist = new Float64Array(b).fill(Infinity);
  const x1 = Float32Array.from(x0);
  if (startRng) {
    // Random start at half the radius, as the reference does for restarts.
    for (let j = 0; j < b; j++) {
      let m = 0;
      const t = new Float64Array(dim);
      for (let i = 0; i < dim; i++) {
        t[i] = startRng.uniform(-1, 1);
        m = Math.max(m, Math.abs(t[i]!));
      }
      for (let i = 0; i < dim; i++) x1[j * dim + i] = clip01(x0[j * dim + i]! + (cfg.eps * t[i]!) / (m || 1) / 2);
    }
  }
  const ys = tf.tensor1d(labels, 'int32');
  const ts = tf.tensor1d(targets, 'int32');
  const objective = (logits: tf.Tensor): tf.Tensor =>
    tf.tidy(() => {
      const c = logits.shape[1]!;
      return tf.sum(logits.mul(tf.oneHot(ts, c).sub(tf.oneHot(ys, c))), 1);
    });
  try {
    for (let it = 0; it < cfg.steps; it++) {
      const xt = tf.tensor(x1, shape, 'float32');
      const lg = lossAndGrad(forward, xt, objective);
      const df = readFloats(lg.loss);
      const dg = readFloats(lg.grad);
      disposeLossAndGrad(lg);
      xt.dispose();
      for (let j = 0; j < b; j++) {
        const lo = j * dim;
        const w = dg.subarray(lo, lo + dim);
        const p1 = x1.subarray(lo, lo + dim);
        const p0 = x0.subarray(lo, lo + dim);
        let wx = 0;
        for (let i = 0; i < dim; i++) wx += w[i]! * p1[i]!;
        const c = wx - df[j]!; // the linearised boundary: w·z = c
        const d1 = projectOntoHyperplaneLinf(p1, w, c);
        const d2 = projectOntoHyperplaneLinf(p0, w, c);
        const a1 = Math.max(maxAbs(d1), 1e-8);
        const a2 = Math.max(maxAbs(d2), 1e-8);
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
        let t = 0;
        for (let i = 0; i < dim; i++) t = Math.max(t, Math.abs(x1[lo + i]! - x0[lo + i]!));
        if (t < dist[j]!) {
          adv.set(x1.subarray(lo, lo + dim), lo);
          dist[j] = t;
        }
        for (let i = 0; i < dim; i++) x1[lo + i] = x0[lo + i]! + (x1[lo + i]! - x0[lo + i]!) * cfg.beta;
      }
    }
  } finally {
    tf.dispose([ys, ts]);
  }
  return { adv, dist };
}

function clip01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}

function maxAbs(v: Float32Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]!));
  return m;
}
