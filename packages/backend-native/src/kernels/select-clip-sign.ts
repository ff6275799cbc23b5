import * as tf from '@tensorflow/tfjs';

import type { NativeBackend } from '../backend.js';
import { type KernelArgs, withCpuFallback } from './shared.js';

/**
 * Select (`tf.where`), ClipByValue and Sign on float32, as one loop each into an array from the
 * backend's recycling pool. The cpu backend runs every unary op through one shared loop that
 * calls the op's function per element (a call V8 cannot inline there) into a freshly allocated
 * array (zero fill, page faults); these three are most of what an attack step does besides the
 * model (APGD and PGD project and step with them on every iteration). Same formulas as the cpu
 * kernels, so the results are theirs bit for bit, NaN included.
 */

function float32Values(backend: NativeBackend, t: tf.TensorInfo): Float32Array | undefined {
  if (t.dtype !== 'float32') return undefined;
  const values = backend.data.get(t.dataId).values;
  return values instanceof Float32Array ? values : undefined;
}

function sign({ inputs }: KernelArgs, backend: NativeBackend): tf.TensorInfo | null {
  const { x } = inputs as { x: tf.TensorInfo };
  const src = float32Values(backend, x);
  if (!src) return null;
  const out = backend.alloc(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    out[i] = v < 0 ? -1 : v > 0 ? 1 : 0;
  }
  return backend.output(x.shape, out);
}

function clipByValue({ inputs, attrs }: KernelArgs, backend: NativeBackend): tf.TensorInfo | null {
  const { x } = inputs as { x: tf.TensorInfo };
  const { clipValueMin: lo, clipValueMax: hi } = attrs as { clipValueMin: number; clipValueMax: number };
  const src = float32Values(backend, x);
  if (!src) return null;
  const out = backend.alloc(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i]!;
    out[i] = v > hi ? hi : v < lo ? lo : v;
  }
  return backend.output(x.shape, out);
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((n, i) => n === b[i]);

/** Elementwise only (tf.where broadcasts the condition first); the cpu kernel's row form stays there. */
function select({ inputs }: KernelArgs, backend: NativeBackend): tf.TensorInfo | null {
  const { condition, t, e } = inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
  const tv = float32Values(backend, t);
  const ev = float32Values(backend, e);
  const cv = backend.data.get(condition.dataId).values;
  if (!tv || !ev || !(cv instanceof Uint8Array || cv instanceof Int32Array || cv instanceof Float32Array)) return null;
  if (!sameShape(condition.shape, t.shape) || !sameShape(t.shape, e.shape)) return null;
  const out = backend.alloc(tv.length);
  for (let i = 0; i < tv.length; i++) out[i] = cv[i] === 1 ? tv[i]! : ev[i]!;
  return backend.output(t.shape, out);
}

/** Select, ClipByValue and Sign on dkl-native; other dtypes and shapes go to the cpu kernels. */
export function selectClipSignKernels(): tf.KernelConfig[] {
  return [
    { kernelName: tf.Select, backendName: 'dkl-native', kernelFunc: withCpuFallback(tf.Select, select) },
    { kernelName: tf.ClipByValue, backendName: 'dkl-native', kernelFunc: withCpuFallback(tf.ClipByValue, clipByValue) },
    { kernelName: tf.Sign, backendName: 'dkl-native', kernelFunc: withCpuFallback(tf.Sign, sign) },
  ];
}
