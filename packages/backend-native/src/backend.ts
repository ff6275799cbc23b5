import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import type { NativeAddon } from './addon.js';

type DataId = object;

/** Arrays below this many elements are not worth recycling. */
const POOL_MIN_ELEMENTS = 4096;
/** Upper bound on memory parked in the recycling pool (DKL_NATIVE_POOL_MB, default 2048). */
function poolMaxBytes(): number {
  const mb = Number(process.env['DKL_NATIVE_POOL_MB'] ?? 2048);
  return (Number.isFinite(mb) && mb >= 0 ? mb : 2048) * 1024 * 1024;
}

/**
 * The dkl-native backend: the tfjs cpu backend's data storage (so every cpu
 * kernel runs on it unchanged) plus a handle on the oneDNN addon that the
 * overriding kernels call.
 *
 * Output buffers of native kernels are recycled: a freshly allocated
 * Float32Array costs a zero fill, page faults and later garbage collection,
 * which on a training step is as much as the arithmetic. An array returns to
 * the pool only if it was allocated here, never left the backend (no
 * `dataSync` / `data` read, no second tensor or view made from its buffer) and
 * its tensor was disposed. At most DKL_NATIVE_POOL_MB (default 2048) MiB are
 * parked; set DKL_NATIVE_POOL=0 to disable recycling.
 */
export class NativeBackend extends MathBackendCPU {
  private readonly pool = new Map<number, Float32Array[]>();
  private pooledBytes = 0;
  /** Buffers allocated by {@link alloc} that are still eligible for recycling. */
  private readonly owned = new WeakMap<ArrayBufferLike, Float32Array>();
  /** Owned buffers currently backing a tensor. */
  private readonly attached = new WeakSet<ArrayBufferLike>();
  private readonly pooling = process.env['DKL_NATIVE_POOL'] !== '0';
  private readonly poolCap = poolMaxBytes();

  constructor(readonly addon: NativeAddon) {
    super();
  }

  /**
   * The float32 values behind a tensor: the stored array itself, or a float32
   * copy when the cpu backend's lossless Cast left a float32 tensor sharing
   * int32 / bool storage.
   */
  f32(t: tf.TensorInfo): Float32Array {
    const values = this.data.get(t.dataId).values;
    if (values instanceof Float32Array) return values;
    if (values instanceof Int32Array || values instanceof Uint8Array) return Float32Array.from(values);
    throw new Error(`dkl-native: tensor of shape [${t.shape.join(', ')}] has no numeric storage`);
  }

  /** An output array of `n` elements; contents are arbitrary, the kernel must write all of them. */
  alloc(n: number): Float32Array {
    let a: Float32Array | undefined;
    if (this.pooling && n >= POOL_MIN_ELEMENTS) {
      a = this.pool.get(n)?.pop();
      if (a) this.pooledBytes -= a.byteLength;
    }
    a ??= new Float32Array(n);
    if (this.pooling && n >= POOL_MIN_ELEMENTS) this.owned.set(a.buffer, a);
    return a;
  }

  /** Wraps freshly computed values as a float32 tensor owned by this backend. */
  output(shape: number[], values: Float32Array): tf.TensorInfo {
    return this.makeTensorInfo(shape, 'float32', values);
  }

  override write(values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType): DataId {
    if (ArrayBuffer.isView(values)) {
      const buf = values.buffer;
      const owner = this.owned.get(buf);
      if (owner) {
        // A second tensor, or a view (e.g. a cpu Slice's subarray), over an
        // owned buffer: it may outlive the first tensor, so never recycle it.
        if (owner !== values || this.attached.has(buf)) this.owned.delete(buf);
        else this.attached.add(buf);
      }
    }
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: tf.backend_util.BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    if (ArrayBuffer.isView(values)) this.owned.delete(values.buffer);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): tf.backend_util.BackendValues {
    // Whatever is read may be kept by the caller: it leaves the pool for good.
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    if (values && ArrayBuffer.isView(values)) this.owned.delete(values.buffer);
    return super.readSync(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const released = super.disposeData(dataId, force);
    if (values instanceof Float32Array && !this.data.has(dataId) && this.owned.get(values.buffer) === values) {
      this.owned.delete(values.buffer);
      this.attached.delete(values.buffer);
      if (this.pooledBytes + values.byteLength <= this.poolCap) {
        const list = this.pool.get(values.length);
        if (list) list.push(values);
        else this.pool.set(values.length, [values]);
        this.pooledBytes += values.byteLength;
      }
    }
    return released;
  }

  /** Bytes currently parked for reuse. */
  get recycledBytes(): number {
    return this.pooledBytes;
  }

  override dispose(): void {
    this.pool.clear();
    this.pooledBytes = 0;
    super.dispose();
  }
}
