import * as tf from '@tensorflow/tfjs';
import { ArgumentError, SeededRng, ShapeError } from '@dkl/core';
import type { ForwardFn } from './forward.js';
import { margin, resolveLoss, type AttackLoss, type NamedLoss } from './losses.js';
import { perExampleL2, projectToThreatModel, type Norm } from './project.js';
import { randomStart } from './random-start.js';
import { readFloats, selectRows } from './gradient.js';
import { asInt32, checkBatch, checkEps, checkNorm, checkPositiveInt } from './validate.js';

/** Options of {@link pgd}. */
export interface PgdOptions {
  readonly norm: Norm;
  /** Radius of the threat model. */
  readonly eps: number;
  /** Step length: L-inf moves every pixel by it (sign of the gradient), L2 along the unit gradient. */
  readonly stepSize: number;
  readonly steps: number;
  /**
   * Where to start: `'uniform'` (or `true`, the default) a uniformly random point of the ball;
   * `'normal'` x + 0.001 * N(0, 1) as TRADES and the authors' IKL-AT scripts; `'none'` (or
   * `false`) x itself.
   */
  readonly randomStart?: boolean | 'uniform' | 'normal' | 'none';
  /** Independent runs; each example keeps its best run (default 1). */
  readonly restarts?: number;
  /** `'ce'` (default), `'cw'`, `'dlr'` or an objective `(logits, labels) => [B] | scalar`. */
  readonly loss?: NamedLoss | AttackLoss;
  /** Seed of the random start (default 0). */
  readonly seed?: number | string;
  /** Random stream of the start instead of `seed` (a trainer passes its own, checkpointed one). */
  readonly rng?: SeededRng;
  /**
   * Target labels `[B]`: when given the attack is targeted, it minimises the loss towards
   * them and succeeds when the prediction equals the target.
   */
  readonly targets?: tf.Tensor;
}

/**
 * Projected gradient descent (Madry et al. 2018). Returns the adversarial batch (caller
 * disposes); every example lies in the `norm` ball of radius `eps` around `x` and in [0, 1].
 *
 * With restarts, each example keeps the run that succeeded (misclassified, or hit the target),
 * else the run with the best per-example loss; for a scalar loss the first run is kept unless
 * a later one succeeds.
 */
export function pgd(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, options: PgdOptions): tf.Tensor {
  checkNorm(options.norm);
  checkEps(options.eps);
  checkEps(options.stepSize, 'stepSize');
  checkPositiveInt(options.steps, 'steps', 0);
  const restarts = options.restarts ?? 1;
  checkPositiveInt(restarts, 'restarts');
  checkBatch(x, y);
  if (options.targets && (options.targets.rank !== 1 || options.targets.shape[0] !== x.shape[0])) {
    throw new ShapeError('targets', `a rank-1 label vector [${x.shape[0]}]`, options.targets.shape);
  }
  const { norm, eps, stepSize, steps } = options;
  const lossFn = resolveLoss(options.loss);
  const rng = options.rng ?? new SeededRng(options.seed ?? 0);
  const start = startMode(options.randomStart);
  const labels = asInt32(y);
  const targets = options.targets ? asInt32(options.targets) : undefined;
  const aim = targets ?? labels;
  const direction = targets ? -1 : 1;
  const gradFn = tf.grad((xi: tf.Tensor) => {
    const l = lossFn(forward(xi), aim);
    return (l.rank === 0 ? l : l.sum()).mul(direction);
  });

  let best: tf.Tensor | undefined;
  let bestScore: Float32Array | undefined;
  try {
    for (let r = 0; r < restarts; r++) {
      let adv = start === 'none' ? x.clone() : randomStart(x, eps, norm, rng, start);
      for (let s = 0; s < steps; s++) {
        const next = tf.tidy(() => {
          const g = gradFn(adv);
          const dir = norm === 'linf' ? tf.sign(g) : g.div(perExampleL2(g).add(1e-12));
          return projectToThreatModel(adv.add(dir.mul(stepSize)), x, eps, norm);
        });
        adv.dispose();
        adv = next;
      }
      if (steps === 0 && start === 'normal') {
        const inside = projectToThreatModel(adv, x, eps, norm); // the 'normal' start is not projected
        adv.dispose();
        adv = inside;
      }
      if (restarts === 1) return adv; // one run: nothing to choose, no scoring forward pass
      const score = scoreRun(forward, lossFn, adv, labels, targets);
      if (!best || !bestScore) {
        best = adv;
        bestScore = score;
      } else {
        const better = Array.from(score, (v, i) => v > bestScore![i]!);
        const merged = selectRows(better, adv, best);
        tf.dispose([adv, best]);
        best = merged;
        bestScore = score.map((v, i) => (better[i] ? v : bestScore![i]!));
      }
    }
    return best!;
  } finally {
    tf.dispose([labels, ...(targets ? [targets] : [])]);
  }
}

function startMode(option: PgdOptions['randomStart']): 'uniform' | 'normal' | 'none' {
  if (option === undefined || option === true || option === 'uniform') return 'uniform';
  if (option === false || option === 'none') return 'none';
  if (option === 'normal') return 'normal';
  throw new ArgumentError('randomStart', `must be true, false, 'uniform', 'normal' or 'none', got ${JSON.stringify(option)}`);
}

/** Per-example score of a run: +Inf when it succeeded, else the loss (towards success). */
function scoreRun(forward: ForwardFn, lossFn: AttackLoss, adv: tf.Tensor, labels: tf.Tensor, targets?: tf.Tensor): Float32Array {
  const [success, loss] = tf.tidy(() => {
    const logits = forward(adv);
    const ok = targets ? tf.equal(tf.argMax(logits, 1), targets) : tf.less(margin(logits, labels), 0);
    const l = lossFn(logits, targets ?? labels);
    return [ok, l.rank === 0 ? tf.zerosLike(labels).toFloat() : l.mul(targets ? -1 : 1)];
  });
  const ok = Uint8Array.from(success!.dataSync() as Uint8Array);
  const values = readFloats(loss!);
  tf.dispose([success!, loss!]);
  return values.map((v, i) => (ok[i] ? Infinity : Number.isNaN(v) ? -Infinity : v));
}

/** Options of {@link fgsm}. */
export interface FgsmOptions {
  readonly eps: number;
  /** `'ce'` (default), `'cw'`, `'dlr'` or an objective. */
  readonly loss?: NamedLoss | AttackLoss;
  /** Target labels for targeted FGSM (step against the gradient of the loss to the target). */
  readonly targets?: tf.Tensor;
}

/**
 * Fast gradient sign method (Goodfellow et al. 2015): one L-inf step of size eps from x, then
 * projected to [0, 1]. Returns the adversarial batch (caller disposes).
 */
export function fgsm(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, options: FgsmOptions): tf.Tensor {
  checkEps(options.eps);
  return pgd(forward, x, y, {
    norm: 'linf',
    eps: options.eps,
    stepSize: options.eps,
    steps: 1,
    randomStart: false,
    ...(options.loss !== undefined ? { loss: options.loss } : {}),
    ...(options.targets !== undefined ? { targets: options.targets } : {}),
  });
}
