/**
 * How plugins steer the loop without touching the trainer (HF Trainer's control object).
 */
export interface TrainingControl {
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
  /**
   * Registers asynchronous work (a file write, a log flush) that must finish before the loop
   * moves on; the trainer awaits it at epoch end and run end. A rejection counts as a plugin
   * failure of `owner`.
   */
  waitFor(work: Promise<unknown>, owner: string): void;
}

/** The trainer-side implementation of {@link TrainingControl}. */
export class LoopControl implements TrainingControl {
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
