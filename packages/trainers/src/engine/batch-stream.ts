import * as tf from '@tensorflow/tfjs';
import { CheckpointError, type Batch, type BatchLoader, type JsonValue } from '@dkl/core';

/** Where an endless stream is: its own epoch counter and its loader's position. JSON-safe. */
export interface BatchStreamPosition {
  readonly epoch: number;
  /** Batches of `epoch` already drawn. */
  readonly batch: number;
  readonly loader: JsonValue;
}

/**
 * An endless source of batches over a {@link BatchLoader}: one batch per `next()`, starting the
 * loader's next epoch whenever one ends (its epochs count from 1, independently of the run's).
 * The engine draws one batch per step from each stream a step declares (an unlabelled split next
 * to the labelled one), so a stream's length never decides how long an epoch is.
 *
 * The returned batch belongs to the caller (copies of the loader's tensors, so the loader may
 * move on; the loader's own are disposed at once). `position()` after a draw points at the next batch, also across an epoch end, so a
 * resumed stream yields exactly what the uninterrupted one would have.
 */
export class BatchStream {
  private epoch = 1;
  private inEpoch = 0;
  private iterator: AsyncIterator<Batch> | undefined;

  constructor(
    readonly name: string,
    private readonly loader: BatchLoader,
  ) {}

  async next(): Promise<Batch> {
    for (let attempt = 0; attempt < 2; attempt++) {
      this.iterator ??= this.loader.batches(this.epoch)[Symbol.asyncIterator]();
      const result = await this.iterator.next();
      if (result.done) {
        await this.endEpoch();
        continue;
      }
      const { x, y, targets } = result.value;
      // Copies (sharing the data) that outlive the loader's iteration; the originals are released
      // now, whichever side of the Batch contract the loader takes (it disposes, or expects us to).
      const batch: Batch = { x: tf.clone(x), y: tf.clone(y), ...(targets ? { targets: tf.clone(targets) } : {}) };
      tf.dispose(targets ? [x, y, targets] : [x, y]);
      // Close the epoch right after its last batch, so a snapshot taken now resumes in the next one.
      if (++this.inEpoch >= this.loader.batchesPerEpoch) await this.endEpoch();
      return batch;
    }
    throw new CheckpointError(`stream '${this.name}'`, 'its loader yielded no batch in a fresh epoch');
  }

  private async endEpoch(): Promise<void> {
    const iterator = this.iterator;
    this.iterator = undefined;
    this.epoch++;
    this.inEpoch = 0;
    await iterator?.return?.();
  }

  position(): BatchStreamPosition {
    return { epoch: this.epoch, batch: this.inEpoch, loader: this.loader.getPosition() as JsonValue };
  }

  /** Restores a {@link position}; call before the first `next()`. */
  restore(position: BatchStreamPosition): void {
    if (!position || !Number.isInteger(position.epoch) || position.epoch < 1 || !Number.isInteger(position.batch) || position.batch < 0) {
      throw new CheckpointError(`stream '${this.name}'`, `has no valid saved position (got ${JSON.stringify(position)})`);
    }
    this.loader.setPosition(position.loader);
    this.epoch = position.epoch;
    this.inEpoch = position.batch;
  }

  /** Ends the current epoch's iteration (frees what the loader prefetched). */
  async close(): Promise<void> {
    const iterator = this.iterator;
    this.iterator = undefined;
    await iterator?.return?.();
  }
}
