import * as tf from '@tensorflow/tfjs';

import type { NativeBackend } from '../backend.js';
import { type KernelArgs, allFloat32, withCpuFallback } from './shared.js';

/**
 * Select (`tf.where`) on float32 as one loop into an array from the backend's recycling pool. The
 * cpu kernel writes into a freshly allocated array (zero fill, page faults); with ClipByValue and
 * Sign (the addon's unary ops) it is most of what an attack step does besides the model (APGD
 * selects per example on every iteration). The cpu kernel's rule, so its results bit for bit.
 */

/** Elementwise only (tf.where broadcasts the condition first); the cpu kernel's row form stays there. */
function select({ inputs }: KernelArgs, backend: NativeBackend): tf.TensorInfo | null {
  const { condition, t, e } = inputs as { condition: tf.TensorInfo; t: tf.TensorInfo; e: tf.TensorInfo };
  if (!allFloat32(t, e) || !tf.util.arraysEqual(condition.shape, t.shape) || !tf.util.arraysEqual(t.shape, e.shape)) return null;
  const cv = backend.data.get(condition.dataId).values;
  if (!(cv instanceof Uint8Array || cv instanceof Int32Array || cv instanceof Float32Array)) return null;
  const tv = backend.f32(t);
  const ev = backend.f32(e);
  const out = backend.alloc(tv.length);
  for (let i = 0; i < tv.length; i++) out[i] = cv[i] === 1 ? tv[i]! : ev[i]!;
  return backend.output(t.shape, out);
}

/** Select on dkl-native; other dtypes and shapes go to the cpu kernel. */
export function selectKernels(): tf.KernelConfig[] {
  return [{ kernelName: tf.Select, backendName: 'dkl-native', kernelFunc: withCpuFallback(tf.Select, select) }];
}
