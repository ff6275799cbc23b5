import type { Tensor } from '@tensorflow/tfjs';
import type { ClassifierModel } from '../contracts/model.js';
import type { JsonValue } from './training-plugin.js';

/**
 * A complete, restorable picture of a run: JSON metadata plus named tensors (model variables,
 * optimizer slots, plugin tensors). The caller of `captureSnapshot` owns and disposes the tensors.
 */
export interface TrainingSnapshot {
  readonly meta: JsonValue;
  readonly tensors: Record<string, Tensor>;
}

/**
 * How plugins steer the loop without touching the trainer (HF Trainer's control object).
 */
export interface TrainingControl {
  /** The models of the run by role (`model`, or `student` and `teacher`). Read-only use. */
  readonly models: Readonly<Record<string, ClassifierModel>>;
  /** Everything a checkpoint needs to resume this run exactly (see TrainingSnapshot). */
  captureSnapshot(): Promise<TrainingSnapshot>;
  /** Current 1-based epoch (0 before the first epoch starts). */
  readonly epoch: number;
  /** Global optimisation steps taken so far. */
  readonly step: number;
  /** Ask the loop to stop after the current batch; the run ends with status `stopped`. */
  requestStop(reason: string): void;
  readonly stopRequested: boolean;
  readonly stopReason: string | undefined;
  /** Ask the loop to write a checkpoint at the next opportunity (end of the current epoch). */
  requestCheckpoint(reason?: string): void;
  /** Returns and clears a pending checkpoint request (the checkpoint plugin consumes these). */
  takeCheckpointRequest(): string | undefined;
  /**
   * Registers asynchronous work (a file write, a log flush) that must finish before the loop
   * moves on; the trainer awaits it at epoch end and run end. A rejection counts as a plugin
   * failure of `owner`.
   */
  waitFor(work: Promise<unknown>, owner: string): void;
  /**
   * Tells the loop a checkpoint file is (being) written; once the write has settled the loop
   * emits `checkpoint-saved` for it.
   */
  announceCheckpoint(path: string, reason: 'periodic' | 'best' | 'last' | 'requested'): void;
  /**
   * Reports metrics a plugin computed (e.g. robust accuracy on a held-out split); once the
   * plugin's pending work has settled the loop emits them as an `eval-start` + `eval-end` pair.
   */
  reportEvaluation(split: string, metrics: Readonly<Record<string, number>>): void;
}

/** A checkpoint announced through the control, emitted as `checkpoint-saved` by the loop. */
export interface AnnouncedCheckpoint {
  readonly path: string;
  readonly reason: 'periodic' | 'best' | 'last' | 'requested';
}

/** The trainer-side implementation of {@link TrainingControl}. */
export class LoopControl implements TrainingControl {
  constructor(
    readonly models: Readonly<Record<string, ClassifierModel>> = {},
    private readonly capture: () => Promise<TrainingSnapshot> = async () => {
      throw new Error('this loop cannot capture snapshots');
    },
  ) {}

  captureSnapshot(): Promise<TrainingSnapshot> {
    return this.capture();
  }

  epoch = 0;
  step = 0;
  private stopReasonValue: string | undefined;
  private checkpointReason: string | undefined;
  private pending: Array<{ work: Promise<unknown>; owner: string }> = [];

  get stopRequested(): boolean {
    return this.stopReasonValue !== undefined;
  }

  get stopReason(): string | undefined {
    return this.stopReasonValue;
  }

  requestStop(reason: string): void {
    this.stopReasonValue ??= reason;
  }

  requestCheckpoint(reason = 'requested'): void {
    this.checkpointReason ??= reason;
  }

  /** Returns and clears a pending checkpoint request. */
  takeCheckpointRequest(): string | undefined {
    const reason = this.checkpointReason;
    this.checkpointReason = undefined;
    return reason;
  }

  waitFor(work: Promise<unknown>, owner: string): void {
    // Attach a handler now so a rejection is never "unhandled" before settle() runs.
    work.catch(() => undefined);
    this.pending.push({ work, owner });
  }

  private announced: AnnouncedCheckpoint[] = [];
  private evaluations: Array<{ split: string; metrics: Readonly<Record<string, number>> }> = [];

  reportEvaluation(split: string, metrics: Readonly<Record<string, number>>): void {
    this.evaluations.push({ split, metrics: { ...metrics } });
  }

  /** Returns and clears the evaluations reported since the last call. */
  takeReportedEvaluations(): Array<{ split: string; metrics: Readonly<Record<string, number>> }> {
    const out = this.evaluations;
    this.evaluations = [];
    return out;
  }

  announceCheckpoint(path: string, reason: AnnouncedCheckpoint['reason']): void {
    this.announced.push({ path, reason });
  }

  /** Checkpoints announced since the last `takeAnnouncedCheckpoints` (not cleared). */
  get pendingCheckpoints(): readonly AnnouncedCheckpoint[] {
    return [...this.announced];
  }

  /** True while registered work has not been awaited by `settle`. */
  get hasPendingWork(): boolean {
    return this.pending.length > 0;
  }

  /** Returns and clears the checkpoints announced since the last call. */
  takeAnnouncedCheckpoints(): AnnouncedCheckpoint[] {
    const out = this.announced;
    this.announced = [];
    return out;
  }

  /** Awaits all registered work; returns the failures as [owner, error] pairs. */
  async settle(): Promise<Array<[string, Error]>> {
    const failures: Array<[string, Error]> = [];
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const results = await Promise.allSettled(batch.map((p) => p.work));
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          failures.push([batch[i]!.owner, r.reason instanceof Error ? r.reason : new Error(String(r.reason))]);
        }
      });
    }
    return failures;
  }
}
