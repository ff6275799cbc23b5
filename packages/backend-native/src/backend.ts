import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { TensorStoragePool } from '@dkl/core';

import type { NativeAddon } from './addon.js';

type DataId = object;

/**
 * What a blocked layout holds: an activation [N, H, W, C] in oneDNN's nChwBc
 * (instead of NHWC), or a convolution filter [kh, kw, in, out] in OIhwBiBo
 * (instead of HWIO).
 */
export type BlockedKind = 'activation' | 'filter';

/**
 * A tensor whose values are stored in one of oneDNN's channel-blocked layouts,
 * with block B = 8 or 16; the blocked channel counts are multiples of B, so it
 * holds exactly as many floats as the tfjs layout.
 */
export interface BlockedTensor {
  kind: BlockedKind;
  /** 8 or 16. */
  block: number;
  /** The logical tfjs shape the values were written for. */
  dims: readonly number[];
  /** The blocked values. */
  values: Float32Array;
}

/** A layout: `block` 0 is tfjs' own (NHWC / HWIO), whatever the kind. */
export interface Layout {
  kind: BlockedKind;
  block: number;
}

/** tfjs' own layout. */
export const PLAIN: Layout = { kind: 'activation', block: 0 };

/** A stored tensor entry of the cpu backend, with the blocked-layout mark this backend adds. */
interface Entry {
  values: tf.backend_util.BackendValues;
  blocked?: BlockedTensor;
  /** The id naming these values for the addon's bf16 copies (see {@link NativeBackend.sourceId}). */
  sourceId?: number;
  /** The values were read out (`dataSync` etc.): whoever holds them may write them, so no copy is kept. */
  escaped?: boolean;
}

/** Activation layouts are propagated between native kernels unless DKL_NATIVE_LAYOUT=nhwc. */
function blockedLayoutsEnabled(): boolean {
  return process.env['DKL_NATIVE_LAYOUT'] !== 'nhwc';
}

/** bf16 copies of convolution operands are reused across calls unless DKL_NATIVE_BF16_REUSE=0. */
function bf16ReuseEnabled(): boolean {
  return process.env['DKL_NATIVE_BF16_REUSE'] !== '0';
}

/** The next id {@link NativeBackend.sourceId} hands out: process-wide, as the addon's store of copies is. */
let nextSourceId = 1;

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
 *
 * Activations may stay in oneDNN's blocked layout between native kernels
 * (convolutions, batch-norm, elementwise ops), as PyTorch keeps them, instead
 * of being reordered to NHWC and back around every convolution; so may
 * filters between the backward-weights pass, the optimizer update and the next
 * forward pass. Such a tensor is marked with its {@link BlockedTensor}; its
 * `values` property is an accessor that reorders it to the tfjs layout, in
 * place and once, the first time anything else (a cpu kernel, `dataSync`, a
 * download) reads it, so the layout is invisible outside the kernels that
 * understand it. DKL_NATIVE_LAYOUT=nhwc switches this off.
 *
 * In bf16, the addon keeps the bf16 copy it makes of a convolution operand
 * (activation, output gradient, filter) for the next pass that reads the same
 * operand in the same layout, so each is converted once per step. The copies
 * are keyed by {@link sourceId}: an id names one tensor's values, is never
 * reused, and is released (its copies freed) when those values go away:
 * disposal, `move`, or a read-out after which outside code may write the
 * array. tfjs tensors are immutable and every native kernel writes a fresh
 * output array (the SGD update included), so a kept copy always matches its
 * source. DKL_NATIVE_BF16_REUSE=0 (or {@link bf16CopyReuse} false) converts
 * anew on every call.
 */
export class NativeBackend extends MathBackendCPU implements TensorStoragePool {
  private readonly pool = new Map<number, Float32Array[]>();
  private pooledBytes = 0;
  /** Buffers allocated by {@link alloc} that are still eligible for recycling. */
  private readonly owned = new WeakMap<ArrayBufferLike, Float32Array>();
  /** Owned buffers currently backing a tensor. */
  private readonly attached = new WeakSet<ArrayBufferLike>();
  private readonly pooling = process.env['DKL_NATIVE_POOL'] !== '0';
  private readonly poolCap = poolMaxBytes();
  /** Whether native kernels may hand blocked activations and filters to each other. */
  readonly blockedLayouts = blockedLayoutsEnabled();
  /** Whether bf16 convolutions reuse the bf16 copies of their operands (see the class comment). */
  bf16CopyReuse = bf16ReuseEnabled();

  constructor(readonly addon: NativeAddon) {
    super();
    // The cpu backend's first write prints "install tfjs-node to speed things up"; this backend is
    // the fast one, so that advice is wrong here.
    (this as unknown as { firstUse: boolean }).firstUse = false;
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

  /**
   * Storage for a tensor made from JavaScript (`TensorStoragePool`: a data loader's batch): an
   * array from the recycling pool, which returns there when its tensor is disposed, on the same
   * terms as a kernel output (never read back, no second tensor or view over it).
   */
  allocTensorStorage(length: number): Float32Array {
    return this.alloc(length);
  }

  /** Registers an array that came back from a worker thread (whole buffer, held by no one else) as recyclable storage. */
  adoptTensorStorage(array: Float32Array): void {
    if (this.pooling && array.length >= POOL_MIN_ELEMENTS && array.byteOffset === 0 && array.byteLength === array.buffer.byteLength) this.owned.set(array.buffer, array);
  }

  /**
   * The id naming `t`'s current values for the addon's bf16 copies, assigned on
   * first use; 0 (convert anew) when reuse is off or the values were read out.
   */
  sourceId(t: tf.TensorInfo): number {
    if (!this.bf16CopyReuse) return 0;
    const entry = this.data.get(t.dataId) as Entry;
    if (entry.escaped) return 0;
    entry.sourceId ??= nextSourceId++;
    return entry.sourceId;
  }

  /** Drops the bf16 copies of `entry`'s values: they no longer stand for them. */
  private releaseCopies(entry: Entry | undefined): void {
    if (entry?.sourceId === undefined) return;
    this.addon.releaseBf16Copies(entry.sourceId);
    entry.sourceId = undefined;
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
    if (this.data.has(dataId)) this.releaseCopies(this.data.get(dataId) as Entry);
    super.move(dataId, values, shape, dtype, refCount);
  }

  /** Wraps values written in `layout` as a float32 tensor of tfjs shape `shape`. */
  outputInLayout(shape: number[], values: Float32Array, layout: Layout): tf.TensorInfo {
    const info = this.output(shape, values);
    if (layout.block !== 0) {
      this.markBlocked(this.data.get(info.dataId) as Entry, { kind: layout.kind, block: layout.block, dims: [...shape], values });
    }
    return info;
  }

  /**
   * The blocked layout of `t`'s values (of the given kind, if one is given), if
   * they are blocked and were written for exactly `t`'s shape (a reshaped view
   * reads as the tfjs layout).
   */
  blockedOf(t: tf.TensorInfo, kind?: BlockedKind): BlockedTensor | undefined {
    const b = (this.data.get(t.dataId) as Entry).blocked;
    if (!b || (kind && b.kind !== kind)) return undefined;
    if (b.dims.length !== t.shape.length || b.dims.some((d, i) => d !== t.shape[i])) return undefined;
    return b;
  }

  /** The layout `t`'s values are stored in. */
  layoutOf(t: tf.TensorInfo, kind?: BlockedKind): Layout {
    const b = this.blockedOf(t, kind);
    return b ? { kind: b.kind, block: b.block } : PLAIN;
  }

  /**
   * The values of `t` in their current layout, without reordering, when that is
   * tfjs' own or a blocked layout of `kind`; otherwise reordered to tfjs' layout.
   */
  f32InLayout(t: tf.TensorInfo, kind: BlockedKind): { values: Float32Array; block: number } {
    const b = this.blockedOf(t, kind);
    return b ? { values: b.values, block: b.block } : { values: this.f32(t), block: 0 };
  }

  /**
   * The layout a kernel over operands of tfjs shape `shape` should run in: that of the first
   * operand stored blocked (of `kind`, if given) when the shape can be held in it, else tfjs' own.
   * Operands in other layouts are then read through {@link valuesIn}.
   */
  leadLayout(shape: readonly number[], kind: BlockedKind | undefined, ...operands: Array<tf.TensorInfo | undefined>): Layout {
    for (const t of operands) {
      const b = t ? this.blockedOf(t, kind) : undefined;
      if (b) return this.canBlock(shape, b) ? { kind: b.kind, block: b.block } : PLAIN;
    }
    return PLAIN;
  }

  /** Whether a tensor of this tfjs shape can be held in `layout`. */
  canBlock(shape: readonly number[], layout: Layout): boolean {
    if (layout.block === 0 || shape.length !== 4) return false;
    if (layout.kind === 'filter') return shape[2]! % layout.block === 0 && shape[3]! % layout.block === 0;
    return shape[3]! % layout.block === 0;
  }

  /**
   * `t`'s values in `layout` for one kernel call: its own storage when it is in
   * that layout already, else a reordered temporary that `release` hands back
   * to the pool (the tensor's own storage is left as it is). Blocked targets
   * need {@link canBlock}.
   */
  valuesIn(t: tf.TensorInfo, layout: Layout): { values: Float32Array; release: () => void } {
    const own = this.blockedOf(t);
    const same = own ? own.block === layout.block && own.kind === layout.kind : layout.block === 0;
    if (same) return { values: own ? own.values : this.f32(t), release: () => {} };
    if (layout.block === 0) return { values: this.f32(t), release: () => {} };
    const src = this.f32InLayout(t, layout.kind);
    const tmp = this.alloc(src.values.length);
    this.relayout(layout.kind, t.shape, src.values, tmp, src.block, layout.block);
    return { values: tmp, release: () => this.recycle(tmp) };
  }

  private relayout(kind: BlockedKind, dims: readonly number[], src: Float32Array, dst: Float32Array, from: number, to: number): void {
    const d = Int32Array.from(dims);
    if (kind === 'filter') this.addon.relayoutFilter(src, dst, d, from, to);
    else this.addon.relayout(src, dst, d, from, to);
  }

  private markBlocked(entry: Entry, blocked: BlockedTensor): void {
    entry.blocked = blocked;
    const settle = (values: tf.backend_util.BackendValues) => {
      Object.defineProperty(entry, 'values', { value: values, writable: true, configurable: true, enumerable: true });
      entry.blocked = undefined;
    };
    Object.defineProperty(entry, 'values', {
      configurable: true,
      enumerable: true,
      get: () => {
        const plain = this.toPlain(blocked);
        settle(plain);
        return plain;
      },
      set: settle,
    });
  }

  private toPlain(b: BlockedTensor): Float32Array {
    const plain = this.alloc(b.values.length);
    this.relayout(b.kind, b.dims, b.values, plain, b.block, 0);
    if (this.owned.get(plain.buffer) === plain) this.attached.add(plain.buffer);
    this.recycle(b.values);
    return plain;
  }

  /** The values stored for `dataId` in whatever layout, without reordering. */
  private rawValues(dataId: DataId): tf.backend_util.BackendValues | undefined {
    if (!this.data.has(dataId)) return undefined;
    const entry = this.data.get(dataId) as Entry;
    return entry.blocked ? entry.blocked.values : entry.values;
  }

  override readSync(dataId: DataId): tf.backend_util.BackendValues {
    const values = super.readSync(dataId);
    const entry = this.data.get(dataId) as Entry;
    this.releaseCopies(entry);
    entry.escaped = true;
    // Whatever is read may be kept by the caller: it leaves the pool for good.
    for (const v of [values, this.rawValues(dataId)]) if (v && ArrayBuffer.isView(v)) this.owned.delete(v.buffer);
    return values;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const values = this.rawValues(dataId);
    const entry = this.data.has(dataId) ? (this.data.get(dataId) as Entry) : undefined;
    const released = super.disposeData(dataId, force);
    if (!this.data.has(dataId)) this.releaseCopies(entry);
    if (values instanceof Float32Array && !this.data.has(dataId)) this.recycle(values);
    return released;
  }

  /** Parks an array this backend allocated, and no longer uses, for reuse. */
  private recycle(values: Float32Array): void {
    if (this.owned.get(values.buffer) !== values) return;
    this.owned.delete(values.buffer);
    this.attached.delete(values.buffer);
    if (this.pooledBytes + values.byteLength > this.poolCap) return;
    const list = this.pool.get(values.length);
    if (list) list.push(values);
    else this.pool.set(values.length, [values]);
    this.pooledBytes += values.byteLength;
  }

  /** Bytes currently parked for reuse. */
  get recycledBytes(): number {
    return this.pooledBytes;
  }

  override dispose(): void {
    this.addon.clearBf16Copies();
    this.pool.clear();
    this.pooledBytes = 0;
    super.dispose();
  }
}
