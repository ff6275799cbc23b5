import * as tf from '@tensorflow/tfjs';
import { ArgumentError, SeededRng } from '@dkl/core';
import type { ForwardFn } from './forward.js';
import { disposeLossAndGrad, lossAndGrad, readFloats, selectRows, type LossAndGrad } from './gradient.js';
import { crossEntropyPerExample, dlrLoss, dlrTargetedLoss } from './losses.js';
import { perExampleL2, projectToThreatModel, type Norm } from './project.js';
import { randomStart } from './random-start.js';
import { asInt32, checkBatch, checkEps, checkPositiveInt, normOption, positiveIntOption } from './validate.js';

/** Options of {@link apgd}. */
export interface ApgdOptions {
  /** Default `'linf'`. */
  readonly norm?: Norm;
  readonly eps: number;
  /** Iterations per run (default 100, AutoAttack's budget). */
  readonly steps?: number;
  /** Runs per example, each from a new random start, on the examples still robust (default 1). */
  readonly restarts?: number;
  /** `'ce'` (default) or `'dlr'`; with `targeted` these become targeted CE / targeted DLR. */
  readonly loss?: 'ce' | 'dlr';
  /**
   * APGD-T: attack towards each of the `nTargetClasses` classes ranked 2nd, 3rd, ... by the
   * clean logits, in turn, on the examples still robust (default false).
   */
  readonly targeted?: boolean;
  /** Target classes for APGD-T (default 9, clamped to numClasses - 1). */
  readonly nTargetClasses?: number;
  /** Seed of the random starts (default 0). */
  readonly seed?: number | string;
  /** Oscillation threshold of the step-size rule (default 0.75). */
  readonly rho?: number;
  /**
   * Expectation over transformation (default 1): every gradient is the mean of this many
   * forward+backward passes, for randomised models (AutoAttack's `rand` version uses 20; the
   * reference's `eot_iter`). The loss and prediction are those of the last pass, as there.
   */
  readonly eotIter?: number;
}

/** Result of one APGD run on a batch. */
interface RunResult {
  /** The best-loss point of each example. */
  readonly best: tf.Tensor;
  /** The first-found misclassified point of each example (best when none found). */
  readonly bestAdv: tf.Tensor;
  /** Per example: still classified correctly at every iterate. */
  readonly robust: boolean[];
}

const MOMENTUM = 0.75;

/**
 * Auto-PGD (Croce & Hein 2020): PGD with momentum 0.75 and a per-example step size that starts
 * at 2·eps (L-inf and L2, as the reference) and is halved at checkpoints p_j when the loss oscillated or
 * stalled, restarting from the best point. Returns the adversarial batch (caller disposes):
 * the misclassified point when one was found, else the highest-loss point. Examples that are
 * already misclassified are returned unchanged.
 */
export function apgd(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, options: ApgdOptions): tf.Tensor {
  const norm = normOption(options.norm);
  checkEps(options.eps);
  const steps = positiveIntOption(options.steps, 100, 'steps');
  const restarts = positiveIntOption(options.restarts, 1, 'restarts');
  const lossName = options.loss ?? 'ce';
  if (lossName !== 'ce' && lossName !== 'dlr') throw new ArgumentError('loss', `must be 'ce' or 'dlr', got ${String(lossName)}`);
  const rho = options.rho ?? 0.75;
  const eotIter = positiveIntOption(options.eotIter, 1, 'eotIter');
  checkBatch(x, y);
  const rng = new SeededRng(options.seed ?? 0);
  const labels = asInt32(y);
  const labelArr = Int32Array.from(labels.dataSync() as Int32Array);
  const n = x.shape[0]!;

  // Clean logits: misclassified examples are done; APGD-T ranks target classes by them.
  const cleanLogits = tf.tidy(() => forward(x));
  const numClasses = cleanLogits.shape[1]!;
  const cleanPred = tf.tidy(() => tf.argMax(cleanLogits, 1));
  const robust = Array.from(cleanPred.dataSync(), (p, i) => p === labelArr[i]);
  cleanPred.dispose();

  let out = x.clone();
  try {
    const targetRanks: number[] = [];
    if (options.targeted) {
      const k = Math.min(options.nTargetClasses ?? 9, numClasses - 1);
      checkPositiveInt(k, 'nTargetClasses');
      for (let r = 2; r <= k + 1; r++) targetRanks.push(r);
    } else targetRanks.push(0);
    const order = options.targeted ? tf.tidy(() => tf.topk(cleanLogits, numClasses).indices) : undefined;
    const orderArr = order ? Int32Array.from(order.dataSync() as Int32Array) : undefined;
    order?.dispose();

    // Points attacked so far without success keep their best-loss point from the first run.
    const haveBest = new Array<boolean>(n).fill(false);
    for (const rank of targetRanks) {
      for (let r = 0; r < restarts; r++) {
        const idx = robust.flatMap((ok, i) => (ok ? [i] : []));
        if (idx.length === 0) break;
        const targetArr = orderArr ? Int32Array.from(idx, (i) => orderArr[i * numClasses + rank - 1]!) : undefined;
        const xs = tf.gather(x, idx);
        const ys = tf.tensor1d(Int32Array.from(idx, (i) => labelArr[i]!), 'int32');
        const ts = targetArr ? tf.tensor1d(targetArr, 'int32') : undefined;
        const objective = (logits: tf.Tensor): tf.Tensor => {
          if (!ts) return lossName === 'ce' ? crossEntropyPerExample(logits, ys) : dlrLoss(logits, ys);
          return lossName === 'ce' ? tf.neg(crossEntropyPerExample(logits, ts)) : dlrTargetedLoss(logits, ys, ts);
        };
        let run: RunResult | undefined;
        try {
          run = apgdRun(forward, xs, Int32Array.from(idx, (i) => labelArr[i]!), objective, { eps: options.eps, norm, steps, rng, rho, eotIter });
          const chosen = tf.tidy(() => selectRows(run!.robust.map((v) => !v), run!.bestAdv, run!.best));
          const write = idx.map((i, j) => !run!.robust[j] || !haveBest[i]);
          const updated = scatterRows(out, chosen, idx, write);
          chosen.dispose();
          out.dispose();
          out = updated;
          idx.forEach((i, j) => {
            haveBest[i] = true;
            if (!run!.robust[j]) robust[i] = false;
          });
        } finally {
          tf.dispose([xs, ys, ...(ts ? [ts] : [])]);
          if (run) tf.dispose([run.best, run.bestAdv]);
        }
      }
    }
    return out;
  } catch (error) {
    out.dispose();
    throw error;
  } finally {
    tf.dispose([labels, cleanLogits]);
  }
}

/** Writes `rows[j]` into `target[idx[j]]` where `write[j]`; returns a new tensor. */
export function scatterRows(target: tf.Tensor, rows: tf.Tensor, idx: readonly number[], write: readonly boolean[]): tf.Tensor {
  return tf.tidy(() => {
    const n = target.shape[0]!;
    // position[i] = j when example i takes row j, else -1 (keep target).
    const position = new Int32Array(n).fill(-1);
    idx.forEach((i, j) => {
      if (write[j]) position[i] = j;
    });
    const take = Array.from(position, (p) => p >= 0);
    const gathered = tf.gather(rows, Array.from(position, (p) => Math.max(p, 0)));
    return selectRows(take, gathered, target);
  });
}

interface RunConfig {
  readonly eps: number;
  readonly norm: Norm;
  readonly steps: number;
  readonly rng: SeededRng;
  readonly rho: number;
  readonly eotIter: number;
}

/** One APGD run (the reference's `attack_single_run`) on examples that are all to be attacked. */
function apgdRun(forward: ForwardFn, x: tf.Tensor, labels: Int32Array, objective: (logits: tf.Tensor) => tf.Tensor, cfg: RunConfig): RunResult {
  const { eps, norm, steps, rho } = cfg;
  const b = x.shape[0]!;
  const nIter2 = Math.max(Math.floor(0.22 * steps), 1);
  const nIterMin = Math.max(Math.floor(0.06 * steps), 1);
  const sizeDecr = Math.max(Math.floor(0.03 * steps), 1);

  let xAdv = randomStart(x, eps, norm, cfg.rng, 'boundary');
  let xBest = xAdv.clone();
  let xBestAdv = xAdv.clone();
  let xAdvOld = xAdv.clone();
  let current: LossAndGrad | undefined = eotLossAndGrad(forward, xAdv, objective, cfg.eotIter);
  let grad = current.grad.clone();
  let gradBest = grad.clone();
  const robust = Array.from(argmaxRows(current.logits), (p, i) => p === labels[i]);
  const lossBest = readFloats(current.loss);
  disposeLossAndGrad(current);
  current = undefined;

  // The reference's alpha = 2 for both L-inf and L2 (autopgd_base.py `attack_single_run`).
  const stepSize = new Float32Array(b).fill(2 * eps);
  const lossSteps: Float32Array[] = [];
  let lossBestLastCheck = Float32Array.from(lossBest);
  let reducedLastCheck = new Array<boolean>(b).fill(true);
  let k = nIter2;
  let counter = 0;
  try {
    for (let i = 0; i < steps; i++) {
      const a = i > 0 ? MOMENTUM : 1;
      const next = tf.tidy(() => {
        const momentum = xAdv.sub(xAdvOld);
        const ss = tf.tensor1d(stepSize).reshape([b, 1, 1, 1]);
        const dir = norm === 'linf' ? tf.sign(grad) : grad.div(perExampleL2(grad).add(1e-12));
        const z = projectToThreatModel(xAdv.add(ss.mul(dir)), x, eps, norm);
        return projectToThreatModel(xAdv.add(z.sub(xAdv).mul(a)).add(momentum.mul(1 - a)), x, eps, norm);
      });
      xAdvOld.dispose();
      xAdvOld = xAdv;
      xAdv = next;

      current = eotLossAndGrad(forward, xAdv, objective, cfg.eotIter);
      grad.dispose();
      grad = current.grad.clone();
      const pred = argmaxRows(current.logits);
      const loss = readFloats(current.loss);
      disposeLossAndGrad(current);
      current = undefined;

      const foolNow = Array.from(pred, (p, j) => p !== labels[j]);
      if (foolNow.some(Boolean)) {
        const updated = selectRows(foolNow, xAdv, xBestAdv);
        xBestAdv.dispose();
        xBestAdv = updated;
        foolNow.forEach((f, j) => {
          if (f) robust[j] = false;
        });
      }
      lossSteps.push(loss);
      const improved = Array.from(loss, (v, j) => v > lossBest[j]!);
      if (improved.some(Boolean)) {
        const nb = selectRows(improved, xAdv, xBest);
        const ng = selectRows(improved, grad, gradBest);
        tf.dispose([xBest, gradBest]);
        xBest = nb;
        gradBest = ng;
        improved.forEach((v, j) => {
          if (v) lossBest[j] = loss[j]!;
        });
      }

      counter++;
      if (counter === k) {
        const reduce = new Array<boolean>(b);
        for (let j = 0; j < b; j++) {
          const oscillating = countIncreases(lossSteps, i, k, j) <= k * rho;
          const stalled = !reducedLastCheck[j] && lossBestLastCheck[j]! >= lossBest[j]!;
          reduce[j] = oscillating || stalled;
          if (reduce[j]) stepSize[j] = stepSize[j]! / 2;
        }
        reducedLastCheck = reduce;
        lossBestLastCheck = Float32Array.from(lossBest);
        if (reduce.some(Boolean)) {
          // Restart the halved examples from their best point and its gradient.
          const nx = selectRows(reduce, xBest, xAdv);
          const ng = selectRows(reduce, gradBest, grad);
          tf.dispose([xAdv, grad]);
          xAdv = nx;
          grad = ng;
        }
        k = Math.max(k - sizeDecr, nIterMin);
        counter = 0;
      }
    }
    const result: RunResult = { best: xBest, bestAdv: xBestAdv, robust };
    tf.dispose([xAdv, xAdvOld, grad, gradBest]);
    return result;
  } catch (error) {
    disposeLossAndGrad(current);
    tf.dispose([xAdv, xAdvOld, grad, gradBest, xBest, xBestAdv]);
    throw error;
  }
}

/**
 * The reference's EOT gradient (autopgd_base.py `attack_single_run`: `grad += autograd.grad(...)`
 * over `eot_iter` passes, then `grad /= eot_iter`); logits and loss of the last pass.
 */
function eotLossAndGrad(forward: ForwardFn, x: tf.Tensor, objective: (logits: tf.Tensor) => tf.Tensor, eotIter: number): LossAndGrad {
  let last = lossAndGrad(forward, x, objective);
  if (eotIter === 1) return last;
  let sum = last.grad;
  for (let e = 1; e < eotIter; e++) {
    tf.dispose([last.logits, last.loss]);
    last = lossAndGrad(forward, x, objective);
    const next = tf.add(sum, last.grad);
    tf.dispose([sum, last.grad]);
    sum = next;
  }
  const grad = tf.tidy(() => sum.div(eotIter));
  sum.dispose();
  return { logits: last.logits, loss: last.loss, grad };
}

/** How many of the last k steps increased the loss of example j (earlier than step 0 counts as 0). */
function countIncreases(lossSteps: readonly Float32Array[], i: number, k: number, j: number): number {
  let t = 0;
  for (let c = 0; c < k; c++) {
    const cur = i - c >= 0 ? lossSteps[i - c]![j]! : 0;
    const prev = i - c - 1 >= 0 ? lossSteps[i - c - 1]![j]! : 0;
    if (cur > prev) t++;
  }
  return t;
}

function argmaxRows(logits: tf.Tensor): Int32Array {
  const t = tf.argMax(logits, 1);
  const out = Int32Array.from(t.dataSync() as Int32Array);
  t.dispose();
  return out;
}

