import * as tf from '@tensorflow/tfjs';

import { type KernelArgs, allFloat32, sizeOf, withCpuFallback } from './shared.js';
import type { NativeBackend } from '../backend.js';

type PoolKind = 0 | 1; // 0 max, 1 average

function poolInfo(xShape: number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs['filterSize'] as number | [number, number],
    attrs['strides'] as number | [number, number],
    1,
    attrs['pad'] as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
  );
}

/** Packs a pooling description into the addon's 15-int parameter block. */
export function poolParams(info: tf.backend_util.Conv2DInfo, kind: PoolKind): Int32Array {
  const p = info.padInfo;
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    p.top, p.bottom, p.left, p.right, kind,
  ]);
}

function forward(args: KernelArgs, b: NativeBackend, kind: PoolKind): tf.TensorInfo | null {
  const { x } = args.inputs;
  if (!x || x.shape.length !== 4 || !allFloat32(x)) return null;
  const info = poolInfo(x.shape, args.attrs ?? {});
  // A 1x1 window that keeps the shape is the identity: the cpu kernel shares the data.
  if (info.filterHeight === 1 && info.filterWidth === 1 && tf.util.arraysEqual(info.inShape, info.outShape)) return null;
  if (sizeOf(info.outShape) === 0) return null;
  const y = b.alloc(sizeOf(info.outShape));
  b.addon.poolForward(b.f32(x), y, poolParams(info, kind));
  return b.output(info.outShape, y);
}

function backward(args: KernelArgs, b: NativeBackend, kind: PoolKind): tf.TensorInfo | null {
  const { dy, input } = args.inputs;
  if (!dy || !input || input.shape.length !== 4 || !allFloat32(dy, input)) return null;
  const info = poolInfo(input.shape, args.attrs ?? {});
  if (sizeOf(info.outShape) === 0) return null;
  const dx = b.alloc(sizeOf(input.shape));
  b.addon.poolBackward(b.f32(dy), b.f32(input), dx, poolParams(info, kind));
  return b.output(input.shape, dx);
}

/**
 * MaxPool / AvgPool and their gradients on oneDNN. Average pooling excludes
 * padding from the count in both directions (as tfjs' forward kernel and
 * TensorFlow do); tfjs' cpu AvgPoolGrad divides by the full window instead, so
 * with 'same' padding the two gradients differ at the borders and ours is the
 * exact gradient of the forward pass.
 */
export function poolKernels(): tf.KernelConfig[] {
  const k = (kernelName: string, f: Parameters<typeof withCpuFallback>[1]): tf.KernelConfig => ({
    kernelName,
    backendName: 'dkl-native',
    kernelFunc: withCpuFallback(kernelName, f),
  });
  return [
    k(tf.MaxPool, (a, b) => forward(a, b, 0)),
    k(tf.AvgPool, (a, b) => forward(a, b, 1)),
    k(tf.MaxPoolGrad, (a, b) => backward(a, b, 0)),
    k(tf.AvgPoolGrad, (a, b) => backward(a, b, 1)),
  ];
}
