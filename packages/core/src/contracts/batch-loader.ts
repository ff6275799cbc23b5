import type { Tensor } from '@tensorflow/tfjs';

/** One mini-batch: `x` float32 [B, H, W, C], `y` int32 [B]. The consumer disposes both. */
export interface Batch {
  readonly x: Tensor;
  readonly y: Tensor;
  /**
   * float32 [B, C] soft targets (rows sum to 1) when the loader mixes examples (mixup / CutMix);
   * `y` then holds each row's dominant class. Absent for unmixed batches.
   */
  readonly targets?: Tensor;
  /**
   * Dataset indices of the rows, when the loader knows them (what per-example caches such as the
   * teacher-logits cache key on). Absent for loaders that cannot say.
   */
  readonly indices?: Int32Array;
}

/**
 * A resumable source of mini-batches. `batches(epoch)` yields one epoch in a seeded order that
 * depends only on (seed, epoch); after `setPosition(p)` the next `batches` call resumes exactly at
 * `p`, so a restored run sees the same remaining batches as an uninterrupted one.
 */
export interface BatchLoader {
  readonly batchSize: number;
  /** Number of batches one full epoch yields. */
  readonly batchesPerEpoch: number;
  /** Number of examples. */
  readonly size: number;
  batches(epoch: number): AsyncIterable<Batch>;
  /** Where the loader is (epoch and batches consumed); must be JSON-serialisable (checkpoints). */
  getPosition(): unknown;
  /** Restores a value returned by `getPosition` (after a JSON round trip). */
  setPosition(position: unknown): void;
}
