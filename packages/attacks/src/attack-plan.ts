/**
 * Robust evaluation of a whole example set as a sequence of attacks (AutoAttack's protocol: each
 * attack only sees the examples still robust), resumable batch by batch from a state file.
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, NumericError } from '@dkl/core';
import type { WarningHandler } from './checks.js';
import type { ForwardFn } from './forward.js';
import { predict, readFloats } from './gradient.js';
import type { Norm } from './project.js';
import { decodeFlags, encodeFlags, hashLabels, readState, writeState, type AutoAttackState } from './state-file.js';
import { asInt32, checkBatch, checkEps, checkNorm, checkPositiveInt } from './validate.js';

/** One attack of a plan. */
export interface AttackStage {
  readonly name: string;
  /**
   * Per example of `x` (all classified correctly, pixels in [0, 1]): still classified correctly
   * under the attack. `seed` is derived from (plan seed, stage name, batch index) only, so a
   * resumed evaluation attacks every batch exactly as an uninterrupted one.
   */
  robustFlags(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, seed: string): Promise<boolean[]>;
}

/** What an evaluation runs: its attacks in order, the settings that identify it, and sanity checks. */
export interface AttackPlan {
  readonly stages: readonly AttackStage[];
  /** Budgets, version... (JSON-serialisable): a state file written under other settings is refused. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Checks on the first batch before attacking (AutoAttack's), reporting through `warn`. */
  readonly checks?: (forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, warn: WarningHandler) => void;
}

/** How an evaluation of attacks runs, for {@link runAttackPlan} and AutoAttack alike; `Name` names its attacks. */
export interface AttackRunOptions<Name extends string = string> {
  readonly norm: Norm;
  readonly eps: number;
  /** Seed of every random choice (default 0). */
  readonly seed?: number | string;
  /** Examples per attack call (default 256); part of the settings, since batches carry the seeds. */
  readonly batchSize?: number;
  /** Resumable JSON state, rewritten after every batch (temp file + rename): a killed evaluation continues where it stopped. */
  readonly statePath?: string;
  /** Run the sanity checks (default true). */
  readonly checks?: boolean;
  /** Where sanity-check warnings go (default console.warn). */
  readonly onWarning?: WarningHandler;
  /** Told after each attack (also for attacks restored from the state file). */
  readonly onAttackEnd?: (attack: Name, robustAccuracy: number, resumed: boolean) => void;
  /** Told after each attacked batch (after the state file is written). */
  readonly onBatchEnd?: (attack: Name, batch: number, batches: number) => void;
}

/** Options of {@link runAttackPlan}. */
export type RunAttackPlanOptions = AttackRunOptions;

/** Result of an evaluation of attacks; accuracies are fractions in [0, 1]. */
export interface AttackPlanResult<Name extends string = string> {
  readonly cleanAccuracy: number;
  /** After the last attack. */
  readonly robustAccuracy: number;
  /** Robust accuracy after each attack, in the order run (cumulative: each attack only sees the points still robust). */
  readonly perAttack: Readonly<Record<string, number>>;
  /** Attacks skipped because the state file says they finished. */
  readonly resumed: readonly Name[];
  /** Batches of the attack under way that the state file said were done. */
  readonly resumedBatches: number;
  /**
   * Seconds each attack's batches took, summed over every invocation that attacked them (a
   * resumed evaluation counts the earlier ones too); undefined where a state file written before
   * times were kept has none.
   */
  readonly perAttackSeconds: Readonly<Record<string, number | undefined>>;
  /** The clean pass and every attack, summed over invocations; undefined when a part is unknown. */
  readonly totalSeconds: number | undefined;
  /** Per example: robust after every attack. */
  readonly robustFlags: readonly boolean[];
}

/**
 * Runs `plan` on every example of `x`: a clean pass, then each attack on the examples still
 * robust, in batches of `batchSize`. With `statePath` the state is written after the clean pass
 * and after every batch; a later call with the same settings continues after the last written
 * batch and gives the same flags as an uninterrupted run.
 */
export async function runAttackPlan(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, plan: AttackPlan, options: RunAttackPlanOptions): Promise<AttackPlanResult> {
  checkNorm(options.norm);
  checkEps(options.eps);
  checkBatch(x, y);
  const { norm, eps } = options;
  const batchSize = options.batchSize ?? 256;
  checkPositiveInt(batchSize, 'batchSize');
  const seed = String(options.seed ?? 0);
  const warn = options.onWarning ?? ((message: string) => console.warn(`[robust-eval] ${message}`));
  const labelsT = asInt32(y);
  const labels = Int32Array.from(labelsT.dataSync() as Int32Array);
  labelsT.dispose();
  const n = labels.length;
  const labelsHash = hashLabels(labels);
  // The attack list is checked as a prefix instead: a finished evaluation may be extended by more attacks.
  const settings = JSON.stringify({ seed, batchSize, ...plan.settings });
  const names = plan.stages.map((s) => s.name);

  let state = options.statePath ? await readState(options.statePath) : undefined;
  if (state && options.statePath) checkStateMatches(state, options.statePath, { norm, eps, n, labelsHash, settings, names });
  const save = async (next: AutoAttackState) => {
    state = next;
    if (options.statePath) await writeState(options.statePath, next);
  };

  if (options.checks !== false && plan.checks) {
    const size = Math.min(batchSize, n);
    const xs = tf.slice(x, [0, 0, 0, 0], [size, -1, -1, -1]);
    const ys = tf.tensor1d(labels.subarray(0, size), 'int32');
    try {
      plan.checks(forward, xs, ys, warn);
    } finally {
      tf.dispose([xs, ys]);
    }
  }

  if (!state) {
    const started = performance.now();
    const clean = cleanFlags(forward, x, labels, batchSize);
    const cleanSeconds = (performance.now() - started) / 1000;
    await save({ version: 2, norm, eps, examples: n, labelsHash, settings, cleanAccuracy: mean(clean), cleanSeconds, robustFlags: encodeFlags(clean), finished: [] });
  }
  let current: AutoAttackState = state!;
  const flags = decodeFlags(current.robustFlags);
  const perAttack: Record<string, number> = {};
  const perAttackSeconds: Record<string, number | undefined> = {};
  const resumed: string[] = [];
  let resumedBatches = 0;

  for (const [s, stage] of plan.stages.entries()) {
    const done = current.finished[s];
    if (done) {
      perAttack[stage.name] = done.robustAccuracy;
      perAttackSeconds[stage.name] = done.seconds;
      resumed.push(stage.name);
      options.onAttackEnd?.(stage.name, done.robustAccuracy, true);
      continue;
    }
    const partial = current.current?.attack === stage.name ? current.current : undefined;
    const robustAtStart = partial ? partial.robustAtStart : encodeFlags(flags);
    const robustIdx = decodeFlags(robustAtStart).flatMap((ok, i) => (ok ? [i] : []));
    const batches = Math.ceil(robustIdx.length / batchSize);
    resumedBatches += partial?.batchesDone ?? 0;
    // Unknown (undefined) stays unknown: an older state file did not count its batches.
    let seconds = partial && partial.batchesDone > 0 ? partial.seconds : 0;
    for (let b = partial?.batchesDone ?? 0; b < batches; b++) {
      const started = performance.now();
      const idx = robustIdx.slice(b * batchSize, (b + 1) * batchSize);
      const xs = tf.gather(x, idx);
      const ys = tf.tensor1d(Int32Array.from(idx, (i) => labels[i]!), 'int32');
      try {
        const robust = await stage.robustFlags(forward, xs, ys, `${seed}/${stage.name}/${b}`);
        idx.forEach((i, j) => {
          if (!robust[j]) flags[i] = false;
        });
      } finally {
        tf.dispose([xs, ys]);
      }
      if (seconds !== undefined) seconds += (performance.now() - started) / 1000;
      await save({ ...current, robustFlags: encodeFlags(flags), current: { attack: stage.name, robustAtStart, batchesDone: b + 1, ...(seconds !== undefined ? { seconds } : {}) } });
      current = state!;
      options.onBatchEnd?.(stage.name, b, batches);
    }
    const robustAccuracy = mean(flags);
    perAttack[stage.name] = robustAccuracy;
    perAttackSeconds[stage.name] = seconds;
    const { current: _finishedAttack, ...rest } = current;
    await save({ ...rest, robustFlags: encodeFlags(flags), finished: [...current.finished, { attack: stage.name, robustAccuracy, ...(seconds !== undefined ? { seconds } : {}) }] });
    current = state!;
    options.onAttackEnd?.(stage.name, robustAccuracy, false);
  }
  const parts = [current.cleanSeconds, ...Object.values(perAttackSeconds)];
  const totalSeconds = parts.every((v) => v !== undefined) ? parts.reduce((sum, v) => sum! + v!, 0) : undefined;
  return { cleanAccuracy: current.cleanAccuracy, robustAccuracy: mean(flags), perAttack, resumed, resumedBatches, perAttackSeconds, totalSeconds, robustFlags: flags };
}

/** Tolerance of the threat-model check: float32 rounding of the stored pixels. */
const BALL_TOLERANCE = 1e-5;

/**
 * Robust flags of an attack's adversarial batch after checking that every example lies in the
 * `norm` ball of radius `eps` around `x` and in [0, 1] (distances in float64 over the stored
 * float32 pixels). Disposes `adversarial`.
 * @throws NumericError naming the attack when a point is outside the threat model or not finite.
 */
export function checkedFlags(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, adversarial: tf.Tensor, eps: number, norm: Norm, attack: string): boolean[] {
  try {
    const a = readFloats(adversarial);
    const o = readFloats(x);
    const b = x.shape[0]!;
    const dim = o.length / b;
    for (let j = 0; j < b; j++) {
      let d = 0;
      for (let i = j * dim; i < (j + 1) * dim; i++) {
        const v = a[i]!;
        if (!(v >= 0 && v <= 1)) throw new NumericError(attack, `returned a pixel outside [0, 1] (${v}) for example ${j} of its batch`);
        const diff = v - o[i]!;
        d = norm === 'l2' ? d + diff * diff : Math.max(d, Math.abs(diff));
      }
      if (norm === 'l2') d = Math.sqrt(d);
      if (d > eps * (1 + BALL_TOLERANCE) + 1e-7) throw new NumericError(attack, `returned a point at ${norm} distance ${d} > eps ${eps} for example ${j} of its batch`);
    }
    const labels = y.dataSync();
    const clean = predict(forward, x);
    const attacked = predict(forward, adversarial);
    return Array.from(labels, (label, i) => clean[i] === label && attacked[i] === label);
  } finally {
    adversarial.dispose();
  }
}

function checkStateMatches(
  state: AutoAttackState,
  file: string,
  now: { norm: Norm; eps: number; n: number; labelsHash: string; settings: string; names: readonly string[] },
): void {
  const finished = state.finished.map((f) => f.attack);
  const mismatch =
    state.norm !== now.norm ? `norm '${state.norm}' (now '${now.norm}')` :
    state.eps !== now.eps ? `eps ${state.eps} (now ${now.eps})` :
    state.examples !== now.n || state.robustFlags.length !== now.n ? `${state.examples} examples (now ${now.n})` :
    state.labelsHash !== now.labelsHash ? 'different labels' :
    state.settings !== now.settings ? `settings ${state.settings} (now ${now.settings})` :
    finished.some((a, i) => now.names[i] !== a) ? `finished attacks ${finished.join(', ')} (now ${now.names.join(', ')})` :
    state.current && now.names[finished.length] !== state.current.attack ? `attack under way '${state.current.attack}'` : undefined;
  if (mismatch) throw new CheckpointError(file, `belongs to another evaluation: it records ${mismatch}; delete it or pass another state path`);
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

function mean(flags: readonly boolean[]): number {
  return flags.length === 0 ? 0 : flags.filter(Boolean).length / flags.length;
}
