import type { AnnouncedCheckpoint, JsonValue, RngState } from '@dkl/core';
import type { BatchStreamPosition } from './batch-stream.js';

/** One epoch's numbers as the run history keeps them. */
export interface EpochRecord {
  readonly epoch: number;
  readonly learningRate: number;
  readonly train: Record<string, number>;
  readonly eval: Record<string, Record<string, number>>;
  readonly durationMs: number;
}

/** The running accumulators of an epoch in progress: what its logged means are computed from. */
export interface EpochProgress {
  readonly epoch: number;
  readonly learningRate: number;
  /** Batches (steps) of this epoch already taken; the loader's position points at the next one. */
  batches: number;
  examples: number;
  /** Per loss term (and `top1`): sum over the epoch's examples so far. */
  sums: Record<string, number>;
  /** Wall time spent in this epoch before the current segment (a resumed epoch has two). */
  elapsedMs: number;
}

/**
 * Where in the run a snapshot was taken, so a resumed run continues exactly there:
 * - `epoch-boundary`: epoch `epoch` and its evaluation are done (or nothing has started);
 * - `in-epoch`: inside epoch `progress.epoch`, after `progress.batches` steps;
 * - `evaluating`: epoch `epoch` is trained, its evaluation round had not finished (redone on resume);
 * - `ended`: the run had ended (`run-end` emitted); resuming it trains and evaluates nothing.
 */
export type SnapshotPosition =
  | { readonly phase: 'epoch-boundary' }
  | { readonly phase: 'in-epoch'; readonly progress: EpochProgress }
  | { readonly phase: 'evaluating' }
  | { readonly phase: 'ended' };

/** JSON part of a run snapshot (see `TrainingEngine.captureSnapshot`). */
export interface RunSnapshotMeta {
  readonly format: 'dkl-run-snapshot';
  /** 2 adds `position` and `checkpoints`; version 1 snapshots were taken at epoch ends, before evaluation. */
  readonly version: 1 | 2;
  readonly runId: string;
  /** Completed epochs. */
  readonly epoch: number;
  readonly step: number;
  readonly epochs: number;
  readonly rng: RngState;
  readonly loader: JsonValue;
  /** Positions of the extra batch streams (`TrainingEngineOptions.streams`), by name. */
  readonly streams?: Record<string, BatchStreamPosition>;
  /** JSON part of the step's own state (`TrainStep.saveState`); its tensors are `step/<name>`. */
  readonly stepState?: JsonValue;
  readonly optimizer: JsonValue;
  readonly plugins: Record<string, JsonValue>;
  readonly variables: string[];
  readonly history: EpochRecord[];
  readonly config: JsonValue;
  readonly position?: SnapshotPosition;
  /**
   * Checkpoints announced in the round the snapshot belongs to (itself included): a resumed run
   * emits their `checkpoint-saved` events, as the uninterrupted run did once they were written.
   */
  readonly checkpoints?: AnnouncedCheckpoint[];
}

/** The position of a snapshot, with version 1 snapshots read as taken before an evaluation. */
export function positionOf(meta: RunSnapshotMeta): SnapshotPosition {
  return meta.position ?? (meta.epoch > 0 ? { phase: 'evaluating' } : { phase: 'epoch-boundary' });
}
