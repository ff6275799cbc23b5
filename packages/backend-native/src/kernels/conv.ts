import * as tf from '@tensorflow/tfjs';

import { type KernelArgs, activationCode, allFloat32, sizeOf, withCpuFallback } from './shared.js';
import type { NativeBackend } from '../backend.js';
import { precisionCode } from '../precision.js';

/**
 * The precision code a convolution runs at: the current one for regular
 * convolutions; depthwise ones stay fp32 (memory-bound: rounding their operands
 * to bf16 costs more than bf16 arithmetic saves).
 */
function convPrecision(depthwise: boolean): number {
  return depthwise ? 0 : precisionCode();
}

type Conv2DInfo = tf.backend_util.Conv2DInfo;
type PadAttr = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

/** Packs a tfjs conv description into the addon's 19-int parameter block. */
export function convParams(info: Conv2DInfo, groups: number, act: number): Int32Array {
  const p = info.padInfo;
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth,
    p.top, p.bottom, p.left, p.right, groups, act,
  ]);
}

function isNhwc(attrs: tf.NamedAttrMap | undefined): boolean {
  const f = attrs?.['dataFormat'];
  return f == null || f === 'NHWC' || f === 'channelsLast';
}

function info(
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
  depthwise: boolean,
  dilations: number | [number, number] = (attrs['dilations'] as number | [number, number] | undefined) ?? 1,
): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs['strides'] as number | [number, number],
    dilations,
    attrs['pad'] as PadAttr,
    attrs['dimRoundingMode'] as Rounding,
    depthwise,
  );
}

/** The source ids of a convolution's operands for the addon's bf16 copies: 0s (convert anew) unless bf16. */
function sourceIds(b: NativeBackend, precision: number, a: tf.TensorInfo, c: tf.TensorInfo): [number, number] {
  return precision === 1 ? [b.sourceId(a), b.sourceId(c)] : [0, 0];
}

/** A filter's values as stored (HWIO or blocked); depthwise filters are always read as HWIO. */
function filterIn(b: NativeBackend, filter: tf.TensorInfo, depthwise: boolean): { values: Float32Array; block: number } {
  return depthwise ? { values: b.f32(filter), block: 0 } : b.f32InLayout(filter, 'filter');
}

function forward(args: KernelArgs, b: NativeBackend, depthwise: boolean, fused: boolean): tf.TensorInfo | null {
  const { x, filter, bias, preluActivationWeights } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!x || !filter || !isNhwc(attrs) || !allFloat32(x, filter, bias)) return null;
  if (x.shape.length !== 4 || filter.shape.length !== 4) return null;
  const act = fused ? activationCode(attrs['activation']) : 0;
  if (act === undefined || preluActivationWeights) return null;
  const ci = info(x.shape, filter.shape, attrs, depthwise);
  if (bias && sizeOf(bias.shape) !== ci.outChannels) return null;
  const y = b.alloc(sizeOf(ci.outShape));
  const alpha = Number(attrs['leakyreluAlpha'] ?? 0.2);
  const xIn = b.f32InLayout(x, 'activation');
  const wIn = filterIn(b, filter, depthwise);
  const precision = convPrecision(depthwise);
  const yLayout = b.addon.convForward(
    xIn.values, wIn.values, y, convParams(ci, depthwise ? ci.inChannels : 1, act), xIn.block, wIn.block, b.blockedLayouts,
    precision, ...sourceIds(b, precision, x, filter), bias ? b.f32(bias) : null, alpha,
  );
  return b.outputInLayout(ci.outShape, y, { kind: 'activation', block: yLayout });
}

function backpropInput(args: KernelArgs, b: NativeBackend, depthwise: boolean): tf.TensorInfo | null {
  const { dy, filter } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!dy || !filter || !isNhwc(attrs) || !allFloat32(dy, filter)) return null;
  const inputShape = attrs['inputShape'] as number[];
  const ci = info(inputShape, filter.shape, attrs, depthwise, depthwise ? undefined : 1);
  const dx = b.alloc(sizeOf(ci.inShape));
  const dyIn = b.f32InLayout(dy, 'activation');
  const wIn = filterIn(b, filter, depthwise);
  const precision = convPrecision(depthwise);
  const dxLayout = b.addon.convBackwardData(
    dyIn.values, wIn.values, dx, convParams(ci, depthwise ? ci.inChannels : 1, 0), dyIn.block, wIn.block, b.blockedLayouts,
    precision, ...sourceIds(b, precision, dy, filter),
  );
  return b.outputInLayout(ci.inShape, dx, { kind: 'activation', block: dxLayout });
}

function backpropFilter(args: KernelArgs, b: NativeBackend, depthwise: boolean): tf.TensorInfo | null {
  const { x, dy } = args.inputs;
  const attrs = args.attrs ?? {};
  if (!x || !dy || !isNhwc(attrs) || !allFloat32(x, dy)) return null;
  const filterShape = attrs['filterShape'] as number[];
  const ci = info(x.shape, filterShape, attrs, depthwise, depthwise ? undefined : 1);
  const dw = b.alloc(sizeOf(filterShape));
  const xIn = b.f32InLayout(x, 'activation'), dyIn = b.f32InLayout(dy, 'activation');
  const precision = convPrecision(depthwise);
  const dwLayout = b.addon.convBackwardWeights(
    xIn.values, dyIn.values, dw, convParams(ci, depthwise ? ci.inChannels : 1, 0), xIn.block, dyIn.block, b.blockedLayouts && !depthwise,
    precision, ...sourceIds(b, precision, x, dy),
  );
  return b.outputInLayout(filterShape, dw, { kind: 'filter', block: dwLayout });
}

/**
 * Convolution kernels backed by oneDNN (NHWC or blocked activations, HWIO
 * filters): they read activations in whatever layout they are stored in and
 * leave their outputs in the primitive's preferred layout (see NativeBackend).
 */
export function convKernels(): tf.KernelConfig[] {
  const k = (kernelName: string, f: Parameters<typeof withCpuFallback>[1]): tf.KernelConfig => ({
    kernelName,
    backendName: 'dkl-native',
    kernelFunc: withCpuFallback(kernelName, f),
  });
  return [
    k(tf.Conv2D, (a, b) => forward(a, b, false, false)),
    k(tf.FusedConv2D, (a, b) => forward(a, b, false, true)),
    k(tf.Conv2DBackpropInput, (a, b) => backpropInput(a, b, false)),
    k(tf.Conv2DBackpropFilter, (a, b) => backpropFilter(a, b, false)),
    k(tf.DepthwiseConv2dNative, (a, b) => forward(a, b, true, false)),
    k(tf.FusedDepthwiseConv2D, (a, b) => forward(a, b, true, true)),
    k(tf.DepthwiseConv2dNativeBackpropInput, (a, b) => backpropInput(a, b, true)),
    k(tf.DepthwiseConv2dNativeBackpropFilter, (a, b) => backpropFilter(a, b, true)),
  ];
}
