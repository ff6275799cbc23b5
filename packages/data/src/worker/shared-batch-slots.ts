/**
 * Batch arrays that worker threads write in place: Float32Arrays over SharedArrayBuffers, each
 * shared with every worker once and named by a slot id in later jobs. Moving a 10-40 MB batch
 * through `postMessage` (transfer) makes a new ArrayBuffer object per batch on each side, and V8
 * answers each one's external memory with extra garbage collections (measured: ~1 ms of the
 * loader thread's CPU per 224x224 image). A slot's array is the loader thread's own, long-lived
 * object, so it goes through the backend's tensor-storage pool like any array: a slot is written
 * only when the pool hands its array out as free (its last batch disposed, never read back).
 */
import * as tf from '@tensorflow/tfjs';
import { adoptTensorStorage, tensorStorage } from '@dkl/core';

export class SharedBatchSlots {
  private readonly idOf = new WeakMap<Float32Array, number>();
  private readonly views: Float32Array[] = [];

  /**
   * @param maxSlots the most slots ever made (each pins its memory in every worker)
   * @param share hands a new slot's buffer to every worker, before any job names it
   */
  constructor(
    private readonly maxSlots: number,
    private readonly share: (id: number, sab: SharedArrayBuffer) => void,
  ) {}

  /**
   * A free array of `length` floats for the next batch: a slot (with its id) when the pool's free
   * array is one or a new slot may be made, else that plain array (the caller moves it to the worker).
   */
  take(length: number): { array: Float32Array; id?: number } {
    const free = tensorStorage(length);
    const id = this.idOf.get(free);
    if (id !== undefined) return { array: free, id };
    if (this.views.length >= this.maxSlots) return { array: free };
    const sab = new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT);
    const array = new Float32Array(sab);
    const created = this.views.length;
    this.idOf.set(array, created);
    this.views.push(array);
    this.share(created, sab);
    return { array, id: created };
  }

  /** Slot `id`'s array once a worker has written it, registered with the backend's pool as tensor storage again. */
  filled(id: number): Float32Array {
    return adoptTensorStorage(this.views[id]!);
  }

  /** Returns slot `id`, taken but not written (the worker sent a compacted batch instead), to the backend's pool. */
  unused(id: number): void {
    tf.dispose(tf.tensor1d(this.filled(id)));
  }
}
