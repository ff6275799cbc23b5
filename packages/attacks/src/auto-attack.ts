import * as tf from '@tensorflow/tfjs';
import { ArgumentError, CheckpointError } from '@dkl/core';
import { checkRandomized, checkSoftmaxOutput, checkSquareStronger, checkZeroGradients, type WarningHandler } from './checks.js';
import { asForward, type AttackModel, type ForwardFn } from './forward.js';
import { predict } from './gradient.js';
import type { Norm } from './project.js';
import { hashLabels, readState, writeState, type AutoAttackState } from './state-file.js';
import { checkAttackName, runSuiteAttack, STANDARD_ATTACKS, type AutoAttackName, type SuiteBudget } from './suite.js';
import { asInt32, checkBatch, checkEps, checkNorm, checkPositiveInt } from './validate.js';

/** Options of {@link autoAttack}. */
export interface AutoAttackOptions extends SuiteBudget {
  readonly norm: Norm;
  readonly eps: number;
  /** `'standard'` (APGD-CE, APGD-T, FAB-T, Square; default) or `'custom'` (runs `attacks`). */
  readonly version?: 'standard' | 'custom';
  /** Attacks for the custom version, in order; ignored by `'standard'` (as in the reference). */
  readonly attacks?: readonly AutoAttackName[];
  /** Examples per attack call (default 256). */
  readonly batchSize?: number;
  /** Resumable JSON state: finished attacks are skipped when the file exists. */
  readonly statePath?: string;
  /** Seed of every random choice (default 0). */
  readonly seed?: number | string;
  /** Where sanity-check warnings go (default console.warn). */
  readonly onWarning?: WarningHandler;
  /** Run the reference's sanity checks (default true). */
  readonly checks?: boolean;
  /** Told after each attack (also for attacks restored from the state file). */
  readonly onAttackEnd?: (attack: AutoAttackName, robustAccuracy: number, resumed: boolean) => void;
}

/** Result of {@link autoAttack}; accuracies are fractions in [0, 1]. */
export interface AutoAttackResult {
  readonly cleanAccuracy: number;
  /** After the last attack (the AutoAttack robust accuracy). */
  readonly robustAccuracy: number;
  /** Robust accuracy after each attack, in the order run (cumulative: each attack only sees the points still robust). */
  readonly perAttack: Readonly<Record<string, number>>;
  /** Attacks skipped because the state file says they finished. */
  readonly resumed: readonly AutoAttackName[];
  /** Per example: robust after every attack. */
  readonly robustFlags: readonly boolean[];
}

/**
 * AutoAttack (Croce & Hein 2020) robust evaluation. Runs the attacks in order, each only on the
 * points still classified correctly, and reports clean accuracy and the robust accuracy after
 * each attack. Before attacking it runs the reference's sanity checks (randomised outputs,
 * softmax outputs, zero input gradients) and afterwards warns when the black-box Square attack
 * beat every white-box attack. With `statePath` it writes a JSON state after each attack
 * (atomically) and a later call skips the attacks the file records as finished.
 *
 * `model` is a forward function (NHWC in [0, 1] to logits) or a ClassifierModel, run with
 * `training: false`. No tensors are left behind.
 */
export async function autoAttack(model: AttackModel, x: tf.Tensor, y: tf.Tensor, options: AutoAttackOptions): Promise<AutoAttackResult> {
  const forward = asForward(model);
  checkNorm(options.norm);
  checkEps(options.eps);
  checkBatch(x, y);
  const { norm, eps } = options;
  const batchSize = options.batchSize ?? 256;
  checkPositiveInt(batchSize, 'batchSize');
  const warn = options.onWarning ?? ((message: string) => console.warn(`[autoattack] ${message}`));
  const seed = String(options.seed ?? 0);
  const attacks = resolveAttacks(options, warn);

  const labelsT = asInt32(y);
  const labels = Int32Array.from(labelsT.dataSync() as Int32Array);
  labelsT.dispose();
  const n = labels.length;
  const labelsHash = hashLabels(labels);

  let state = options.statePath ? await readState(options.statePath) : undefined;
  if (state && options.statePath) checkStateMatches(state, options.statePath, norm, eps, n, labelsHash);

  if (options.checks !== false) runSanityChecks(forward, x, labels, Math.min(batchSize, n), attacks, options.nTargetClasses ?? 9, warn);

  let flags: boolean[];
  let cleanAccuracy: number;
  if (state) {
    flags = [...state.robustFlags];
    cleanAccuracy = state.cleanAccuracy;
  } else {
    flags = cleanFlags(forward, x, labels, batchSize);
    cleanAccuracy = mean(flags);
    state = { version: 1, norm, eps, examples: n, labelsHash, cleanAccuracy, robustFlags: flags, finished: [] };
    if (options.statePath) await writeState(options.statePath, state);
  }

  const perAttack: Record<string, number> = {};
  const resumed: AutoAttackName[] = [];
  for (const attack of attacks) {
    const done = state.finished.find((f) => f.attack === attack);
    if (done) {
      perAttack[attack] = done.robustAccuracy;
      resumed.push(attack);
      options.onAttackEnd?.(attack, done.robustAccuracy, true);
      continue;
    }
    const robustIdx = flags.flatMap((ok, i) => (ok ? [i] : []));
    for (let start = 0; start < robustIdx.length; start += batchSize) {
      const idx = robustIdx.slice(start, start + batchSize);
      const xs = tf.gather(x, idx);
      const ys = tf.tensor1d(Int32Array.from(idx, (i) => labels[i]!), 'int32');
      try {
        const adv = runSuiteAttack(attack, forward, xs, ys, { ...options, norm, eps, seed: `${seed}/${attack}/${start / batchSize}` });
        const pred = predict(forward, adv);
        adv.dispose();
        idx.forEach((i, j) => {
          if (pred[j] !== labels[i]) flags[i] = false;
        });
      } finally {
        tf.dispose([xs, ys]);
      }
    }
    const robustAccuracy = mean(flags);
    perAttack[attack] = robustAccuracy;
    state = { ...state, robustFlags: [...flags], finished: [...state.finished, { attack, robustAccuracy }] };
    if (options.statePath) await writeState(options.statePath, state);
    options.onAttackEnd?.(attack, robustAccuracy, false);
  }

  if (options.checks !== false) checkSquareStronger(perAttack, warn);
  return { cleanAccuracy, robustAccuracy: mean(flags), perAttack, resumed, robustFlags: flags };
}

function resolveAttacks(options: AutoAttackOptions, warn: WarningHandler): AutoAttackName[] {
  const version = options.version ?? 'standard';
  if (version === 'custom') {
    if (!options.attacks || options.attacks.length === 0) throw new ArgumentError('attacks', "must list at least one attack for version 'custom'");
    options.attacks.forEach((a, i) => checkAttackName(a, options.norm, `attacks[${i}]`));
    if (new Set(options.attacks).size !== options.attacks.length) throw new ArgumentError('attacks', `lists an attack twice: ${options.attacks.join(', ')}`);
    return [...options.attacks];
  }
  if (version !== 'standard') throw new ArgumentError('version', `must be 'standard' or 'custom', got ${String(version)}`);
  if (options.attacks && options.attacks.length > 0 && options.attacks.join() !== STANDARD_ATTACKS.join()) {
    warn(`version 'standard' runs ${STANDARD_ATTACKS.join(', ')}; the given attacks (${options.attacks.join(', ')}) are ignored: use version 'custom' to choose`);
  }
  if (options.norm === 'l2') {
    warn("FAB-T and Square are implemented for L-inf only: the L2 'standard' version runs APGD-CE and APGD-T");
    return ['apgd-ce', 'apgd-t'];
  }
  return [...STANDARD_ATTACKS];
}

function checkStateMatches(state: AutoAttackState, file: string, norm: Norm, eps: number, n: number, labelsHash: string): void {
  const mismatch =
    state.norm !== norm ? `norm '${state.norm}' (now '${norm}')` :
    state.eps !== eps ? `eps ${state.eps} (now ${eps})` :
    state.examples !== n || state.robustFlags.length !== n ? `${state.examples} examples (now ${n})` :
    state.labelsHash !== labelsHash ? 'different labels' : undefined;
  if (mismatch) throw new CheckpointError(file, `belongs to another evaluation: it records ${mismatch}; delete it or pass another statePath`);
}

function cleanFlags(forward: ForwardFn, x: tf.Tensor, labels: Int32Array, batchSize: number): boolean[] {
  const flags: boolean[] = [];
  const n = labels.length;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const xs = tf.slice(x, [start, 0, 0, 0], [size, -1, -1, -1]);
    const pred = predict(forward, xs);
    xs.dispose();
    pred.forEach((p, j) => flags.push(p === labels[start + j]));
  }
  return flags;
}

function runSanityChecks(forward: ForwardFn, x: tf.Tensor, labels: Int32Array, size: number, attacks: readonly AutoAttackName[], nTargetClasses: number, warn: WarningHandler): void {
  const xs = tf.slice(x, [0, 0, 0, 0], [size, -1, -1, -1]);
  const ys = tf.tensor1d(labels.subarray(0, size), 'int32');
  try {
    checkRandomized(forward, xs, warn);
    checkSoftmaxOutput(forward, xs, warn);
    checkZeroGradients(forward, xs, ys, warn);
    const probe = tf.tidy(() => forward(xs.slice([0, 0, 0, 0], [1, -1, -1, -1])));
    const numClasses = probe.shape[1]!;
    probe.dispose();
    const targeted = attacks.filter((a) => a === 'apgd-t' || a === 'fab-t');
    if (targeted.length > 0 && numClasses - 1 < nTargetClasses) {
      warn(`${targeted.join(' and ')} use ${nTargetClasses} target classes but the model has ${numClasses} classes: using ${numClasses - 1}`);
    }
  } finally {
    tf.dispose([xs, ys]);
  }
}

function mean(flags: readonly boolean[]): number {
  return flags.length === 0 ? 0 : flags.filter(Boolean).length / flags.length;
}
