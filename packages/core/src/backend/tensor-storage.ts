/**
 * Storage for tensors made from JavaScript arrays (a data loader's batches): taken from the
 * active backend's recycling pool when it has one, so a batch lands in memory that is already
 * paged in instead of a fresh allocation (on VMs the first touch of fresh pages costs as much
 * as decoding and augmenting the images).
 */
import * as tf from '@tensorflow/tfjs';

/**
 * A backend whose tensors may adopt arrays it handed out: an array from `allocTensorStorage`
 * that becomes a tensor's values (`tf.tensor(array, ...)`) returns to the backend's pool when that
 * tensor's data is released, unless anything else still sees it (a read, a second tensor or a
 * view over it); the backend decides, as for its own kernel outputs.
 */
export interface TensorStoragePool {
  allocTensorStorage(length: number): Float32Array;
  /**
   * Takes back an array that left as tensor storage and returned as a new object over the same
   * memory (transferred to a worker thread and back): it recycles as one from `allocTensorStorage`.
   */
  adoptTensorStorage(array: Float32Array): void;
}

function isTensorStoragePool(backend: unknown): backend is TensorStoragePool {
  const b = backend as Partial<TensorStoragePool> | null;
  return typeof b?.allocTensorStorage === 'function' && typeof b.adoptTensorStorage === 'function';
}

/**
 * An array of `length` float32 values to fill completely and hand to `tf.tensor` on the active
 * backend: recycled memory from a {@link TensorStoragePool} backend (dkl-native), else a fresh
 * array. Its initial contents are arbitrary. Do not keep it after the tensor is disposed.
 */
export function tensorStorage(length: number): Float32Array {
  const backend = tf.engine().backend;
  return isTensorStoragePool(backend) ? backend.allocTensorStorage(length) : new Float32Array(length);
}

/**
 * `array`, which a worker thread filled in memory that {@link tensorStorage} gave (or in a fresh
 * array of its own), registered with the active backend's pool, if it has one, as tensor storage
 * again: nothing but the caller may hold it.
 */
export function adoptTensorStorage(array: Float32Array): Float32Array {
  const backend = tf.engine().backend;
  if (isTensorStoragePool(backend)) backend.adoptTensorStorage(array);
  return array;
}

/** Whether the active backend recycles tensor storage ({@link TensorStoragePool}). */
export function tensorStorageIsPooled(): boolean {
  return isTensorStoragePool(tf.engine().backend);
}
