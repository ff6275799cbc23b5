/**
 * Where `dkl eval --attack` keeps an evaluation in the run directory, and the JSON record it
 * writes: RobustBench's field names where they exist (`clean_acc`, `autoattack_acc`, `eps`,
 * `threat_model`, `dataset`, accuracies in percent as in its model_info files).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as path from 'node:path';
import type { Norm } from '@dkl/attacks';
import type { RobustEvaluation } from './robust-eval.js';

/** Everything that makes two evaluations different, as a file-name-safe key. */
export function robustEvalKey(o: {
  readonly attack: string;
  readonly attackOptions: Readonly<Record<string, unknown>>;
  readonly norm: Norm;
  readonly epsilon: number;
  readonly weights: string;
  readonly split: string;
  readonly limit?: number | undefined;
  readonly batchSize: number;
  /** Short content hash of the checkpoint: a retrained or resumed run gets a new state file. */
  readonly checkpointId: string;
}): string {
  const options = Object.keys(o.attackOptions)
    .sort()
    .map((k) => `${k}=${String(o.attackOptions[k])}`);
  const parts = [o.attack, ...options, o.norm, `eps${o.epsilon}`, o.weights, o.split, o.limit === undefined ? 'all' : `n${o.limit}`, `bs${o.batchSize}`, o.checkpointId];
  return parts.join('_').replace(/[^A-Za-z0-9._=-]+/g, '-');
}

/** The state file (resumable, rewritten after every batch) and the result file of an evaluation. */
export function robustEvalFiles(runDir: string, o: Parameters<typeof robustEvalKey>[0]): { state: string; result: string } {
  const key = robustEvalKey(o);
  const dir = path.join(runDir, 'robust-eval');
  return { state: path.join(dir, `${key}.state.json`), result: path.join(dir, `${key}.json`) };
}

/** The first 12 hex digits of the SHA-1 of a file (a checkpoint's identity). */
export async function fileId(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex').slice(0, 12);
}

/** RobustBench's threat-model names. */
const THREAT_MODEL: Readonly<Record<Norm, string>> = { linf: 'Linf', l2: 'L2' };

const percent = (fraction: number) => Math.round(fraction * 1e6) / 1e4;
/** Seconds to the millisecond; null where unknown (a state file written before times were kept). */
const seconds = (s: number | undefined) => (s === undefined ? null : Math.round(s * 1000) / 1000);

/** The result record of one evaluation. */
export function robustResultRecord(o: {
  readonly run: string;
  readonly dataset: string;
  readonly split: string;
  readonly checkpoint: string;
  readonly checkpointId: string;
  readonly weights: string;
  readonly attack: string;
  readonly attackOptions: Readonly<Record<string, unknown>>;
  readonly norm: Norm;
  readonly epsilon: number;
  readonly seed: number | string;
  readonly batchSize: number;
  readonly robust: RobustEvaluation;
  readonly wallTimeS: number;
  readonly stateFile: string;
}): Record<string, unknown> {
  const { robust } = o;
  return {
    run: o.run,
    dataset: o.dataset,
    split: o.split,
    checkpoint: o.checkpoint,
    checkpoint_sha1: o.checkpointId,
    weights: o.weights,
    threat_model: THREAT_MODEL[o.norm],
    eps: o.epsilon,
    attack: o.attack,
    ...(o.attack === 'autoattack' ? { version: o.attackOptions['version'] ?? 'standard' } : {}),
    attack_options: o.attackOptions,
    n_ex: robust.count,
    seed: o.seed,
    batch_size: o.batchSize,
    clean_acc: percent(robust.cleanAccuracy),
    robust_acc: percent(robust.robustAccuracy),
    ...(o.attack === 'autoattack' ? { autoattack_acc: percent(robust.robustAccuracy) } : {}),
    per_attack_acc: Object.fromEntries(Object.entries(robust.perAttack).map(([k, v]) => [k, percent(v)])),
    wall_time_s: seconds(o.wallTimeS),
    // Summed over every invocation of a resumed evaluation, unlike wall_time_s (this one).
    eval_time_s: seconds(robust.totalSeconds),
    per_attack_time_s: Object.fromEntries(Object.entries(robust.perAttackSeconds).map(([k, v]) => [k, seconds(v)])),
    resumed_attacks: robust.resumedAttacks,
    resumed_batches: robust.resumedBatches,
    state_file: path.basename(o.stateFile),
  };
}
