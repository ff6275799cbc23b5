/**
 * Seeded batch loader: an async iterable over one epoch of `{ x: [B, H, W, C] float32, y: [B] int32 }`
 * tensor batches.
 *
 * Determinism: epoch e's order is `SeededRng(`${seed}/shuffle/${e}`).permutation(n)` and batch b's
 * augmentation parameters come from `SeededRng(`${augmentSeed}/augment/${e}/${b}`)` (augmentSeed defaults to seed), drawn on this thread;
 * workers only run pixel kernels. So a batch depends only on (seed, epoch, batch index), never on
 * worker scheduling, prefetch depth or where a run was resumed.
 *
 * Tensor ownership: THE LOADER OWNS BATCH TENSORS. A batch's `x` and `y` stay valid until the
 * consumer asks for the next batch (or leaves the loop); then the loader disposes them. Keep
 * anything you need beyond that with `tf.keep`/`clone`, or copy values out. Disposing a batch
 * yourself earlier is allowed (tfjs ignores a second dispose).
 *
 * Batch memory: batches are written into `tensorStorage` arrays, which a recycling backend
 * (dkl-native) takes from the memory of disposed tensors: a batch lands in pages already touched
 * instead of a fresh 10-40 MB allocation. A worker writes in place into a shared slot on such a
 * backend (shared-batch-slots.ts); otherwise the array is moved to the worker and back.
 */
import * as tf from '@tensorflow/tfjs';
import { adoptTensorStorage, ArgumentError, DataError, SeededRng, tensorStorage, tensorStorageIsPooled, type BatchLoader, type Dataset } from '@dkl/core';
import { loadAndAugment, type LoadedBatch } from '../streaming/load-batch.js';
import { streamingSource, type StreamingImageDataset } from '../streaming/streaming-dataset.js';
import { createScratch, runPipeline, type KernelScratch } from '../transforms/kernels.js';
import { planParams } from '../transforms/plan.js';
import type { ImageTransformDefinition } from '../transforms/definition.js';
import { mixBatch } from '../mixing/mix-batch.js';
import { mixSpecSchema, type MixSpec } from '../mixing/mix-spec.js';
import { compilePipeline, type CompiledPipeline, type ImageShape, type TransformSpec } from '../transforms/spec.js';
import { resolveWorkers, WorkerPool } from '../worker/pool.js';
import { SharedBatchSlots } from '../worker/shared-batch-slots.js';

/** Options of {@link Loader}. */
export interface LoaderOptions {
  readonly batchSize: number;
  /** Seed of shuffling and augmentation. */
  readonly seed: number | string;
  /**
   * Seed of the augmentation draws only (default `seed`). Loaders that share `seed` (so the same
   * order) but not `augmentSeed` yield independently augmented views of the same examples, batch
   * for batch (FixMatch's weak and strong views).
   */
  readonly augmentSeed?: number | string;
  /** Shuffle each epoch (default true); false keeps dataset order. */
  readonly shuffle?: boolean;
  /** Drop the last incomplete batch (default false). */
  readonly dropLast?: boolean;
  /** Augmentation pipeline (default none). Without `normalize`/`to-float`, x is scaled to 0-1. */
  readonly transforms?: readonly TransformSpec[];
  /** Batch-level MixUp / CutMix (training splits): batches then carry soft `targets` and `y` holds each row's dominant class. */
  readonly mix?: MixSpec;
  /** Transform kinds packages contribute (ContainerModule bindings of ImageTransformDefinition) that `transforms` may use. */
  readonly transformDefinitions?: readonly ImageTransformDefinition<any>[];
  /** Background threads for augmentation: `auto` (default: cores - 1, at most 4), 0 = in-thread, or a count. */
  readonly workers?: number | 'auto';
  /** Worker entry override (tests, bundlers); default: the built dist/worker/data-worker.js. */
  readonly workerScript?: string | URL;
  /** Batches prepared ahead (default: 2 per worker, at least 2). */
  readonly prefetch?: number;
}

/** Where a loader is: the next batch to yield, plus a fingerprint checked on restore. JSON-safe. */
export interface LoaderPosition {
  readonly epoch: number;
  /** Index of the next batch within `epoch`. */
  readonly batch: number;
  readonly seed: number | string;
  readonly datasetLength: number;
  readonly batchSize: number;
  readonly dropLast: boolean;
  readonly shuffle: boolean;
}

/** A batch as typed arrays (what workers produce). */
export interface BatchArrays {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly shape: readonly [number, number, number, number];
  readonly epoch: number;
  readonly index: number;
  /** Dataset indices of the rows. */
  readonly indices: Int32Array;
  /** float32 [B * C] soft targets when the loader mixes (`mix`). */
  readonly targets?: Float32Array;
}

/** A batch of tensors; owned by the loader (see the module docs). */
export interface Batch {
  /** `[B, H, W, C]` float32. */
  readonly x: tf.Tensor4D;
  /** `[B]` int32 class indices (mixed batches: each row's dominant class). */
  readonly y: tf.Tensor1D;
  /** `[B, C]` float32 soft targets when the loader mixes (`mix`); absent otherwise. */
  readonly targets?: tf.Tensor2D;
  readonly epoch: number;
  /** Batch index within the epoch. */
  readonly index: number;
  readonly size: number;
  /** Dataset indices of the rows (per-example caches key on them). */
  readonly indices: Int32Array;
}

/** Seeded, resumable batch loader with optional worker-thread augmentation. */
export class Loader implements AsyncIterable<Batch>, BatchLoader {
  readonly batchSize: number;
  readonly seed: number | string;
  readonly augmentSeed: number | string;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly pipeline: CompiledPipeline;
  /** Batches in one epoch. */
  readonly batchesPerEpoch: number;
  /** Worker threads in use (0 = augmentation runs on the calling thread). */
  readonly workerCount: number;
  private readonly prefetch: number;
  private readonly pool?: WorkerPool;
  private readonly slots?: SharedBatchSlots;
  private readonly mix?: MixSpec;
  private readonly scratch: KernelScratch;
  private readonly streaming?: { base: StreamingImageDataset; baseIndex: (i: number) => number };
  private readonly fileScratch: KernelScratch[] = [];
  private skipped = 0;
  private epoch = 0;
  private batch = 0;
  private orderCache?: { epoch: number; order: Int32Array };
  private iterating = false;

  constructor(
    readonly dataset: Dataset,
    options: LoaderOptions,
  ) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ArgumentError('options.batchSize', `must be a positive integer, got ${batchSize}`);
    if (options.seed === undefined || options.seed === null) throw new ArgumentError('options.seed', 'is required (a number or string) so batches are reproducible');
    new SeededRng(options.seed); // validates the seed
    this.batchSize = batchSize;
    this.seed = options.seed;
    if (options.augmentSeed !== undefined) new SeededRng(options.augmentSeed); // validates it
    this.augmentSeed = options.augmentSeed ?? options.seed;
    this.shuffle = options.shuffle ?? true;
    this.dropLast = options.dropLast ?? false;
    if (options.mix !== undefined) {
      const parsed = mixSpecSchema.safeParse(options.mix);
      if (!parsed.success) throw new ArgumentError(['options.mix', ...parsed.error.issues[0]!.path.map(String)].join('.'), parsed.error.issues[0]!.message);
      this.mix = parsed.data;
    }
    this.pipeline = compilePipeline(dataset.shape, options.transforms ?? [], options.transformDefinitions);
    if (this.pipeline.outShape[0] === 0) {
      throw new ArgumentError('transforms', `'${dataset.name}' has images of varying size; the pipeline must bring them to one size (random-resized-crop, center-crop, resize with [h, w] or pad-resize)`);
    }
    const streaming = streamingSource(dataset);
    if (streaming) this.streaming = streaming;
    this.batchesPerEpoch = this.dropLast ? Math.floor(dataset.length / batchSize) : Math.ceil(dataset.length / batchSize);
    if (this.batchesPerEpoch === 0) {
      throw new ArgumentError('dataset', `'${dataset.name}' has ${dataset.length} examples, fewer than one batch of ${batchSize}${this.dropLast ? ' with dropLast' : ''}`);
    }
    const { count, script } = resolveWorkers(options.workers, options.workerScript);
    const threadBound = this.pipeline.imports.find((i) => i.url === undefined);
    if (count > 0 && threadBound) {
      throw new ArgumentError('options.workers', `transform '${threadBound.kind}' has no module for worker threads (ImageTransformDefinition.module): use workers: 0, or give the definition a module`);
    }
    this.workerCount = count;
    if (count > 0) this.pool = new WorkerPool(count, script!);
    const prefetch = options.prefetch ?? Math.max(2, 2 * count);
    if (!Number.isInteger(prefetch) || prefetch < 1) throw new ArgumentError('options.prefetch', `must be a positive integer, got ${prefetch}`);
    this.prefetch = prefetch;
    // Batches in flight, the one being trained on, and one the training step may still hold.
    if (this.pool) this.slots = new SharedBatchSlots(prefetch + 2, (slot, sab) => this.pool!.broadcast({ type: 'share-slot', slot, sab }));
    this.scratch = createScratch(this.pipeline);
  }

  /** Number of examples (BatchLoader). */
  get size(): number {
    return this.dataset.length;
  }

  /**
   * The batches of `epoch` (BatchLoader contract, as trainers consume it). Continues from the
   * saved position when it lies in `epoch` (a resumed run); otherwise starts `epoch` at batch 0.
   * Epoch numbers only seed the shuffle and augmentation; trainers count them from 1.
   */
  batches(epoch: number): AsyncIterable<Batch> {
    if (!Number.isInteger(epoch) || epoch < 0) throw new ArgumentError('epoch', `must be a non-negative integer, got ${epoch}`);
    if (this.epoch !== epoch) {
      this.epoch = epoch;
      this.batch = 0;
    }
    return this;
  }

  /** `[H, W, C]` of the images in a batch (after the pipeline). */
  get outputShape(): ImageShape {
    return this.pipeline.outShape;
  }

  /** The position to save: the next batch this loader will yield. */
  getPosition(): LoaderPosition {
    return {
      epoch: this.epoch,
      batch: this.batch,
      seed: this.seed,
      datasetLength: this.dataset.length,
      batchSize: this.batchSize,
      dropLast: this.dropLast,
      shuffle: this.shuffle,
    };
  }

  /**
   * Restores a position from `getPosition()` (e.g. parsed from a checkpoint's JSON). The
   * fingerprint must match this loader (same seed, dataset length, batch size, dropLast, shuffle).
   */
  setPosition(position: LoaderPosition): void {
    if (this.iterating) throw new ArgumentError('position', 'cannot be set while an epoch is being iterated');
    const p = position as Partial<LoaderPosition> | null;
    if (!p || !Number.isInteger(p.epoch) || p.epoch! < 0 || !Number.isInteger(p.batch) || p.batch! < 0) {
      throw new ArgumentError('position', `must be { epoch, batch, ... } with non-negative integers, got ${JSON.stringify(position)}`);
    }
    const mine = this.getPosition();
    for (const key of ['seed', 'datasetLength', 'batchSize', 'dropLast', 'shuffle'] as const) {
      if (p[key] !== mine[key]) {
        throw new ArgumentError(`position.${key}`, `was saved as ${JSON.stringify(p[key])} but this loader has ${JSON.stringify(mine[key])}; the saved position belongs to a different loader`);
      }
    }
    if (p.batch! > this.batchesPerEpoch) throw new ArgumentError('position.batch', `is ${p.batch} but an epoch has ${this.batchesPerEpoch} batches`);
    // A position at the very end of an epoch is the start of the next one.
    this.epoch = p.batch === this.batchesPerEpoch ? p.epoch! + 1 : p.epoch!;
    this.batch = p.batch === this.batchesPerEpoch ? 0 : p.batch!;
  }

  /** Images skipped so far because they could not be decoded (`onBadImage: 'skip'`). */
  get skippedImages(): number {
    return this.skipped;
  }

  /** Dataset indices in epoch `epoch`'s order. */
  epochOrder(epoch: number): Int32Array {
    if (this.orderCache?.epoch === epoch) return this.orderCache.order;
    const n = this.dataset.length;
    const order = this.shuffle ? new SeededRng(`${String(this.seed)}/shuffle/${epoch}`).permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
    this.orderCache = { epoch, order };
    return order;
  }

  /** Batch `index` of epoch `epoch` as typed arrays (random access; does not move the position). */
  async batchArrays(epoch: number, index: number): Promise<BatchArrays> {
    const arrays = await this.augmentedBatch(epoch, index);
    if (!this.mix) return arrays;
    const rng = new SeededRng(`${String(this.seed)}/mix/${epoch}/${index}`);
    const mixed = mixBatch(arrays.x, arrays.y, arrays.shape, this.dataset.numClasses, this.mix, rng);
    return { ...arrays, x: mixed.x, y: mixed.y, targets: mixed.targets };
  }

  private async augmentedBatch(epoch: number, index: number): Promise<BatchArrays> {
    if (!Number.isInteger(epoch) || epoch < 0) throw new ArgumentError('epoch', `must be a non-negative integer, got ${epoch}`);
    if (!Number.isInteger(index) || index < 0 || index >= this.batchesPerEpoch) throw new ArgumentError('index', `must be an integer in [0, ${this.batchesPerEpoch}), got ${index}`);
    const order = this.epochOrder(epoch);
    const start = index * this.batchSize;
    const indices = order.slice(start, Math.min(start + this.batchSize, order.length));
    if (this.streaming) return this.streamingBatch(epoch, index, indices);
    const count = indices.length;
    const [h, w, c] = this.dataset.shape;
    const inLen = h * w * c;
    const images = new Uint8Array(count * inLen);
    const y = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const ex = this.dataset.get(indices[i]!);
      if (ex.image.length !== inLen) throw new ArgumentError('dataset', `'${this.dataset.name}' example ${indices[i]} has ${ex.image.length} bytes, expected ${inLen} for shape [${h}, ${w}, ${c}]`);
      images.set(ex.image, i * inLen);
      y[i] = ex.label;
    }
    const params = planParams(this.pipeline, count, new SeededRng(`${String(this.augmentSeed)}/augment/${epoch}/${index}`));
    const [oh, ow, oc] = this.pipeline.outShape;
    let x: Float32Array;
    if (this.pool) {
      const out = this.workerOut(count * oh * ow * oc);
      const reply = await this.pool.run({ type: 'augment', pipeline: this.pipeline, images, count, params, ...out.job }, [images.buffer as ArrayBuffer, params.buffer as ArrayBuffer, ...out.transfer]);
      if (!reply.ok) throw new ArgumentError('transforms', `augmentation failed in a worker: ${reply.message}`);
      x = this.workerBatch('x' in reply ? reply.x : undefined, out.job, `batch ${index} of '${this.dataset.name}'`);
    } else {
      x = runPipeline(this.pipeline, images, count, params, tensorStorage(count * oh * ow * oc), this.scratch);
    }
    return { x, y, shape: [count, oh, ow, oc], epoch, index, indices };
  }

  /**
   * Where a worker writes a batch of `length` floats: a shared slot when the backend pools tensor
   * storage (no buffer changes hands), else a (recycled) array moved to the worker and back.
   */
  private workerOut(length: number): { job: { out?: Float32Array; outSlot?: number }; transfer: ArrayBuffer[] } {
    if (this.slots && tensorStorageIsPooled()) {
      const { array, id } = this.slots.take(length);
      if (id !== undefined) return { job: { outSlot: id }, transfer: [] };
      return { job: { out: array }, transfer: [array.buffer as ArrayBuffer] };
    }
    const out = tensorStorage(length);
    return { job: { out }, transfer: [out.buffer as ArrayBuffer] };
  }

  /** The batch a worker wrote: the array it sent back, or the slot it wrote in place. */
  private workerBatch(x: Float32Array | undefined, job: { outSlot?: number }, where: string): Float32Array {
    if (x) {
      if (job.outSlot !== undefined) this.slots!.unused(job.outSlot);
      return adoptTensorStorage(x);
    }
    if (job.outSlot === undefined) throw new DataError(where, 'worker replied without batch data');
    return this.slots!.filled(job.outSlot);
  }

  /** A batch of a streaming dataset: files decoded (in a worker when there is one) and augmented per image. */
  private async streamingBatch(epoch: number, index: number, indices: Int32Array): Promise<BatchArrays> {
    const { base, baseIndex } = this.streaming!;
    const files = Array.from(indices, (i) => base.fileOf(baseIndex(i)));
    const labels = Int32Array.from(indices, (i) => base.labels[baseIndex(i)]!);
    const params = planParams(this.pipeline, indices.length, new SeededRng(`${String(this.augmentSeed)}/augment/${epoch}/${index}`));
    const [oh, ow, oc] = this.pipeline.outShape;
    let loaded: LoadedBatch;
    if (this.pool) {
      const out = this.workerOut(files.length * oh * ow * oc);
      const reply = await this.pool.run({ type: 'load-augment', pipeline: this.pipeline, files, channels: base.channels, params, ...out.job }, [params.buffer as ArrayBuffer, ...out.transfer]);
      if (!reply.ok) throw new DataError(`batch ${index} of '${this.dataset.name}'`, `decoding or augmentation failed in a worker: ${reply.message}`);
      if (!('kept' in reply)) throw new DataError(`batch ${index} of '${this.dataset.name}'`, 'worker replied without batch data');
      loaded = { kept: reply.kept, bad: reply.bad, x: this.workerBatch(reply.x, out.job, `batch ${index} of '${this.dataset.name}'`) };
    } else {
      loaded = await loadAndAugment(this.pipeline, files, base.channels, params, this.fileScratch, tensorStorage);
    }
    if (loaded.bad.length > 0) {
      const first = loaded.bad[0]!;
      if (base.onBadImage === 'error') {
        throw new DataError(files[first.row]!, `cannot be decoded as an image: ${first.message}${loaded.bad.length > 1 ? ` (and ${loaded.bad.length - 1} more in this batch)` : ''}; set onBadImage: 'skip' to skip unreadable images`);
      }
      this.skipped += loaded.bad.length;
    }
    const kept = loaded.kept;
    return { x: loaded.x, y: Int32Array.from(kept, (r) => labels[r]!), shape: [kept.length, oh, ow, oc], epoch, index, indices: Int32Array.from(kept, (r) => indices[r]!) };
  }

  /**
   * Iterates the rest of the current epoch from the saved position, advancing it as each batch
   * is yielded. The previous batch's tensors are disposed when the next one is requested and
   * when the loop ends (normally, by `break`, or by an error).
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<Batch, void, undefined> {
    if (this.iterating) throw new ArgumentError('loader', 'is already being iterated; finish or break the current epoch first');
    this.iterating = true;
    const epoch = this.epoch;
    let next = this.batch;
    const inflight: Promise<BatchArrays>[] = [];
    let current: Batch | undefined;
    const fill = (): void => {
      while (inflight.length < this.prefetch && next < this.batchesPerEpoch) {
        const p = this.batchArrays(epoch, next++);
        p.catch(() => undefined); // handled when awaited; avoid unhandled rejections if abandoned
        inflight.push(p);
      }
    };
    try {
      fill();
      while (inflight.length > 0) {
        // The consumer asked for the next batch: the previous one goes first, so its memory can
        // hold the batch that fill() starts next (tensorStorage on a recycling backend).
        if (current) tf.dispose([current.x, current.y, ...(current.targets ? [current.targets] : [])]);
        current = undefined;
        const arrays = await inflight.shift()!;
        fill();
        current = {
          x: tf.tensor4d(arrays.x, arrays.shape as [number, number, number, number], 'float32'),
          y: tf.tensor1d(arrays.y, 'int32'),
          ...(arrays.targets ? { targets: tf.tensor2d(arrays.targets, [arrays.shape[0], this.dataset.numClasses], 'float32') } : {}),
          epoch,
          index: arrays.index,
          size: arrays.shape[0],
          indices: arrays.indices,
        };
        if (arrays.index + 1 >= this.batchesPerEpoch) {
          this.epoch = epoch + 1;
          this.batch = 0;
        } else {
          this.batch = arrays.index + 1;
        }
        yield current;
      }
    } finally {
      if (current) tf.dispose([current.x, current.y, ...(current.targets ? [current.targets] : [])]);
      this.iterating = false;
    }
  }

  /** Stops the worker threads; afterwards this loader cannot produce batches (create a new one). */
  async close(): Promise<void> {
    await this.pool?.close();
  }
}
