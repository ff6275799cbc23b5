import * as tf from '@tensorflow/tfjs';

import type { NativeBackend } from '../backend.js';
import { type KernelArgs, sizeOf, withCpuFallback } from './shared.js';

/**
 * Tile and GatherV2 as block copies. The cpu backend's versions compute every output element's
 * source through index arrays (a few hundred nanoseconds each), which made them the largest cost
 * of an attack step: `tf.where` with a per-example condition broadcasts it (bool) and per-example
 * step sizes (float32) to the image shape through Tile, and evaluating a subset of a batch gathers
 * its rows. Both only move values, so the results are the cpu kernels' bit for bit. A float32 tile
 * whose source does not end in size-1 dimensions (many short runs) goes to the addon's OpenMP
 * loop, which is faster there; a source ending in them (one value per output block) is filled here.
 */

type NumericArray = Float32Array | Int32Array | Uint8Array;

/** A tensor's values in the tfjs layout (a blocked activation is reordered by this read); undefined for strings. */
function numericValues(backend: NativeBackend, t: tf.TensorInfo): NumericArray | undefined {
  const values = backend.data.get(t.dataId).values;
  return values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array ? values : undefined;
}

/** An output array for `dtype` (float32 from the backend's recycling pool; every element gets written). */
function outputArray(backend: NativeBackend, dtype: tf.DataType, n: number): NumericArray | undefined {
  if (dtype === 'float32') return backend.alloc(n);
  if (dtype === 'int32') return new Int32Array(n);
  if (dtype === 'bool') return new Uint8Array(n);
  return undefined;
}

/** Elements per step of every dimension of a row-major array of `shape` (tfjs' strides omit the last, 1). */
const strides = (shape: readonly number[]): number[] => [...tf.util.computeStrides([...shape]), 1];

/** Runs shorter than this are copied element by element: a subarray and a set per run cost more. */
const SHORT_RUN = 64;

/** Copies `n` elements of `from` at `fromAt` to `to` at `toAt` (the same array allowed when the ranges do not overlap). */
function copyRun(from: NumericArray, fromAt: number, to: NumericArray, toAt: number, n: number): void {
  if (n < SHORT_RUN) for (let k = 0; k < n; k++) to[toAt + k] = from[fromAt + k]!;
  else if (from === to) to.copyWithin(toAt, fromAt, fromAt + n);
  else to.set(from.subarray(fromAt, fromAt + n), toAt);
}

/** The first of the trailing size-1 dimensions of `shape` (its rank when it has none). */
function trailingOnesFrom(shape: readonly number[]): number {
  let d = shape.length;
  while (d > 0 && shape[d - 1] === 1) d--;
  return d;
}

/** Writes `src` (of `shape`) repeated `reps` times along each dimension into `out`. */
export function tileInto(src: NumericArray, shape: readonly number[], reps: readonly number[], out: NumericArray): void {
  const rank = shape.length;
  const outShape = shape.map((n, d) => n * reps[d]!);
  const srcStride = strides(shape);
  const outStride = strides(outShape);
  // From `onesFrom` on, the source has size-1 dimensions only: each such block is one value, filled.
  const onesFrom = trailingOnesFrom(shape);
  const copy = (d: number, srcAt: number, outAt: number): void => {
    if (d === onesFrom) {
      out.fill(src[srcAt]!, outAt, outAt + (d === 0 ? sizeOf(outShape) : outStride[d - 1]!));
      return;
    }
    const n = shape[d]!;
    if (d === rank - 1) copyRun(src, srcAt, out, outAt, n);
    else for (let i = 0; i < n; i++) copy(d + 1, srcAt + i * srcStride[d]!, outAt + i * outStride[d]!);
    // The first n slices along d are written; the other repetitions copy them.
    const block = n * outStride[d]!;
    for (let r = 1; r < reps[d]!; r++) copyRun(out, outAt, out, outAt + r * block, block);
  };
  copy(0, 0, 0);
}

function tile({ inputs, attrs }: KernelArgs, backend: NativeBackend): tf.TensorInfo | null {
  const { x } = inputs as { x: tf.TensorInfo };
  const reps = (attrs as { reps: number[] }).reps;
  const rank = x.shape.length;
  if (reps.length !== rank || rank === 0) return null;
  const outShape = x.shape.map((n, d) => n * reps[d]!);
  const size = sizeOf(outShape);
  if (x.dtype === 'float32' && trailingOnesFrom(x.shape) === rank && rank <= 8 && size > 0) {
    const out = backend.alloc(size);
    backend.addon.tile(backend.f32(x), out, Int32Array.from([rank, ...x.shape, ...reps]));
    return backend.output(outShape, out);
  }
  const src = numericValues(backend, x);
  const out = src && outputArray(backend, x.dtype, size);
  if (!src || !out) return null;
  if (size > 0) tileInto(src, x.shape, reps, out);
  return backend.makeTensorInfo(outShape, x.dtype, out);
}

function gather({ inputs, attrs }: KernelArgs, backend: NativeBackend): tf.TensorInfo | null {
  const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = attrs as { axis: number; batchDims?: number };
  if ((batchDims ?? 0) !== 0) return null;
  const src = numericValues(backend, x);
  const index = numericValues(backend, indices);
  if (!src || !index) return null;
  const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const dim = x.shape[ax]!;
  for (const i of index) {
    // The cpu kernel's check and message.
    if (!(i <= dim - 1 && i >= 0)) throw new Error(`GatherV2: the index value ${i} is not in [0, ${dim - 1}]`);
  }
  const outShape = [...x.shape.slice(0, ax), ...indices.shape, ...x.shape.slice(ax + 1)];
  const out = outputArray(backend, x.dtype, sizeOf(outShape));
  if (!out) return null;
  const outer = sizeOf(x.shape.slice(0, ax));
  const inner = sizeOf(x.shape.slice(ax + 1));
  const m = index.length;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      copyRun(src, (o * dim + index[j]!) * inner, out, (o * m + j) * inner, inner);
    }
  }
  return backend.makeTensorInfo(outShape, x.dtype, out);
}

/** Tile and GatherV2 (batchDims 0) on dkl-native; strings and batched gathers go to the cpu kernels. */
export function copyKernels(): tf.KernelConfig[] {
  return [
    { kernelName: tf.Tile, backendName: 'dkl-native', kernelFunc: withCpuFallback(tf.Tile, tile) },
    { kernelName: tf.GatherV2, backendName: 'dkl-native', kernelFunc: withCpuFallback(tf.GatherV2, gather) },
  ];
}
