import * as tf from '@tensorflow/tfjs';

import { type KernelArgs, activationCode, allFloat32, sizeOf, withCpuFallback } from './shared.js';
import type { NativeBackend } from '../backend.js';
import { precisionCode } from '../precision.js';

function batchMatMul(args: KernelArgs, b: NativeBackend, fused: boolean): tf.TensorInfo | null {
  const { a, b: bIn, bias, preluActivationWeights } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!a || !bIn || !allFloat32(a, bIn, bias)) return null;
  const ra = a.shape.length, rb = bIn.shape.length;
  if (ra < 2 || rb < 2) return null;
  const ta = Boolean(attrs['transposeA']), tb = Boolean(attrs['transposeB']);
  const m = ta ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = ta ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const k2 = tb ? bIn.shape[rb - 1]! : bIn.shape[rb - 2]!;
  const n = tb ? bIn.shape[rb - 2]! : bIn.shape[rb - 1]!;
  if (k !== k2) return null; // let the cpu kernel raise its shape error
  const batchA = a.shape.slice(0, -2), batchB = bIn.shape.slice(0, -2);
  const ba = sizeOf(batchA), bb = sizeOf(batchB);
  // oneDNN broadcasts a whole batch of 1; other broadcasts go to the cpu kernel.
  const sameBatch = batchA.length === batchB.length && batchA.every((d, i) => d === batchB[i]);
  if (!sameBatch && ba !== 1 && bb !== 1) return null;
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(batchA, batchB);
  const act = fused ? activationCode(attrs['activation']) : 0;
  if (act === undefined || preluActivationWeights) return null;
  if (bias && (sizeOf(bias.shape) !== n || bias.shape[bias.shape.length - 1] !== n)) return null;
  if (m * n * k === 0) return null;
  const out = b.alloc(sizeOf(outBatch) * m * n);
  const alpha = Number(attrs['leakyreluAlpha'] ?? 0.2);
  b.addon.matMul(
    b.f32(a), b.f32(bIn), bias ? b.f32(bias) : null, out,
    Int32Array.from([ba, bb, m, k, n, ta ? 1 : 0, tb ? 1 : 0, act]), alpha, precisionCode(),
  );
  return b.output([...outBatch, m, n], out);
}

/** BatchMatMul (tfjs' only plain matmul kernel) and _FusedMatMul on oneDNN's matmul primitive. */
export function matMulKernels(): tf.KernelConfig[] {
  return [
    { kernelName: tf.BatchMatMul, backendName: 'dkl-native', kernelFunc: withCpuFallback(tf.BatchMatMul, (a, b) => batchMatMul(a, b, false)) },
    { kernelName: tf._FusedMatMul, backendName: 'dkl-native', kernelFunc: withCpuFallback(tf._FusedMatMul, (a, b) => batchMatMul(a, b, true)) },
  ];
}
