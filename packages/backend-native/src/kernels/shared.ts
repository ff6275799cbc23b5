import * as tf from '@tensorflow/tfjs';

import type { NativeBackend } from '../backend.js';

/** The arguments every tfjs kernel function receives. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

/** A kernel of this backend: returns null to hand the call to the cpu kernel. */
export type NativeKernel = (args: KernelArgs, backend: NativeBackend) => tf.TensorInfo | tf.TensorInfo[] | null;

/** Runs `native`, or the cpu backend's kernel for `name` when it declines the call. */
export function withCpuFallback(name: string, native: NativeKernel): tf.KernelFunc {
  const cpu = tf.getKernel(name, 'cpu');
  if (!cpu) throw new Error(`dkl-native: the cpu backend has no kernel '${name}' to fall back to`);
  const fallback = cpu.kernelFunc;
  return (args) => native(args as KernelArgs, args.backend as NativeBackend) ?? fallback(args);
}

/** True when every given tensor (nulls skipped) is float32. */
export function allFloat32(...ts: Array<tf.TensorInfo | undefined | null>): boolean {
  return ts.every((t) => t == null || t.dtype === 'float32');
}

/** Fused activations oneDNN applies as a post-op, by tfjs name; prelu is not one of them. */
export const ACTIVATION_CODES: Readonly<Record<string, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  elu: 3,
  leakyrelu: 4,
  sigmoid: 5,
};

/** The activation code for a fused kernel, or undefined when oneDNN cannot fuse it. */
export function activationCode(activation: unknown): number | undefined {
  if (activation == null) return 0;
  return ACTIVATION_CODES[String(activation)];
}

/** Product of a shape's dimensions. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** The channel count of a channels-last tensor (its last dimension; 1 for a scalar). */
export function channelsOf(x: tf.TensorInfo): number {
  return x.shape[x.shape.length - 1] ?? 1;
}

/** H * W of an NHWC activation (what the blocked layouts need); 1 for other ranks. */
export function spatialSize(x: tf.TensorInfo): number {
  return x.shape.length === 4 ? x.shape[1]! * x.shape[2]! : 1;
}
