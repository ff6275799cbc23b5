/** Messages between the Loader's thread and its data workers (plain data, transferable buffers). */
import type { CompiledPipeline } from '../transforms/spec.js';
import type { ImageKind } from '../datasets/decode-image.js';

/** Run the augmentation pipeline over a batch of packed uint8 images. */
export interface AugmentJob {
  readonly type: 'augment';
  readonly id: number;
  readonly pipeline: CompiledPipeline;
  readonly images: Uint8Array;
  readonly count: number;
  readonly params: Int32Array;
  /** Where to write the batch (transferred; recycled tensor storage) if its length fits. */
  readonly out?: Float32Array;
  /** Write the batch into shared slot `outSlot` instead (see shared-batch-slots.ts); the reply then carries no `x`. */
  readonly outSlot?: number;
}

/** Keep a shared batch slot (sent to every worker, no reply): later jobs name it by `slot`. */
export interface ShareSlotMessage {
  readonly type: 'share-slot';
  readonly slot: number;
  readonly sab: SharedArrayBuffer;
}

/** Decode one encoded image file. */
export interface DecodeJob {
  readonly type: 'decode';
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly kind: ImageKind;
  readonly channels: 1 | 3;
}

/** Decode a batch of image files (sharp) and run the augmentation pipeline on each. */
export interface LoadAugmentJob {
  readonly type: 'load-augment';
  readonly id: number;
  readonly pipeline: CompiledPipeline;
  readonly files: readonly string[];
  readonly channels: 1 | 3;
  readonly params: Int32Array;
  /** Where to write the batch (transferred; recycled tensor storage) if its length fits. */
  readonly out?: Float32Array;
  /** Write the batch into shared slot `outSlot` instead (see shared-batch-slots.ts); the reply then carries no `x`. */
  readonly outSlot?: number;
}

export type WorkerJob = AugmentJob | DecodeJob | LoadAugmentJob;

export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly x?: Float32Array }
  | { readonly id: number; readonly ok: true; readonly width: number; readonly height: number; readonly data: Uint8Array }
  | { readonly id: number; readonly ok: true; readonly x?: Float32Array; readonly kept: Int32Array; readonly bad: { readonly row: number; readonly message: string }[] }
  | { readonly id: number; readonly ok: false; readonly message: string };
