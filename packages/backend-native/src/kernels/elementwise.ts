import * as tf from '@tensorflow/tfjs';

import { type KernelArgs, allFloat32, channelsOf, sizeOf, spatialSize, withCpuFallback } from './shared.js';
import { type Layout, type NativeBackend, PLAIN } from '../backend.js';

/** Binary op codes of the addon. */
const BINARY_OPS: ReadonlyArray<[string, number]> = [
  [tf.Add, 0],
  [tf.Sub, 1],
  [tf.Multiply, 2],
  [tf.RealDiv, 3],
  [tf.Maximum, 4],
  [tf.Minimum, 5],
  [tf.SquaredDifference, 6],
];

/** Kernel computing ReLU's gradient `dy * step(x)` in one pass; inputs dy, x. */
export const RELU_GRAD_KERNEL = 'DklReluGrad';

/**
 * tfjs's ReLU gradient (`mul(dy, cast(step(x), 'float32'))`, two full passes and a temporary),
 * as one kernel where the active backend has it. tfjs keeps gradients in one global registry,
 * so this replaces Relu's entry for every backend; elsewhere it runs tfjs's own formula.
 */
export const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as tf.Tensor[];
    const g = dy as tf.Tensor;
    const fused = g.dtype === 'float32' && x!.dtype === 'float32' && tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend());
    return { x: () => (fused ? tf.engine().runKernel(RELU_GRAD_KERNEL, { a: g, b: x! }) as tf.Tensor : tf.mul(g, tf.cast(tf.step(x!), 'float32'))) };
  },
};

/** Unary op codes of the addon. */
const UNARY_OPS: ReadonlyArray<[string, number]> = [
  [tf.Relu, 0],
  [tf.Step, 1],
  [tf.Neg, 2],
  [tf.Square, 3],
  [tf.Sqrt, 4],
  [tf.Rsqrt, 5],
  [tf.Exp, 6],
  [tf.Log, 7],
  [tf.Abs, 8],
  [tf.Relu6, 9],
  [tf.Sign, 10],
  [tf.ClipByValue, 11],
];

/** Reduction op codes of the addon. */
const REDUCE_OPS: ReadonlyArray<[string, number]> = [
  [tf.Sum, 0],
  [tf.Mean, 1],
  [tf.Max, 2],
  [tf.Min, 3],
];

/**
 * Describes a broadcast of `aShape` and `bShape` to `outShape` as the addon's
 * shape block [rank, dims, aStrides, bStrides], after dropping size-1 output
 * dimensions and merging neighbours that both inputs walk contiguously.
 */
export function broadcastBlock(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): Int32Array {
  const rank = outShape.length;
  const pad = (s: readonly number[]) => [...new Array<number>(rank - s.length).fill(1), ...s];
  const as = pad(aShape), bs = pad(bShape);
  const strides = (s: number[]) => {
    const st = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let d = rank - 1; d >= 0; --d) {
      st[d] = s[d] === 1 ? 0 : acc;
      acc *= s[d]!;
    }
    return st;
  };
  const sa = strides(as), sb = strides(bs);
  const dims: number[] = [], ka: number[] = [], kb: number[] = [];
  for (let d = 0; d < rank; ++d) {
    const n = outShape[d]!;
    if (n === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && ka[last] === sa[d]! * n && kb[last] === sb[d]! * n) {
      dims[last] = dims[last]! * n;
      ka[last] = sa[d]!;
      kb[last] = sb[d]!;
    } else {
      dims.push(n);
      ka.push(sa[d]!);
      kb.push(sb[d]!);
    }
  }
  if (dims.length === 0) {
    dims.push(1);
    ka.push(0);
    kb.push(0);
  }
  return Int32Array.from([dims.length, ...dims, ...ka, ...kb]);
}

/**
 * The blocked layout a binary op runs in: that of a blocked operand with the output's shape when
 * the other operand is blocked alike, a scalar, or an NHWC tensor of the same shape (reordered
 * into a temporary, so gradients arriving in NHWC do not pull a chain of blocked activations
 * back to NHWC); 0 (NHWC) otherwise, e.g. for per-channel broadcasts.
 */
function sharedLayout(b: NativeBackend, x: tf.TensorInfo, y: tf.TensorInfo, outShape: number[]): Layout {
  const sameShape = (t: tf.TensorInfo) => t.shape.length === outShape.length && t.shape.every((d, i) => d === outShape[i]);
  const lead = b.leadLayout(outShape, undefined, x, y);
  if (lead.block === 0) return PLAIN;
  const fits = (t: tf.TensorInfo) => {
    if (sizeOf(t.shape) === 1) return true;
    const own = b.blockedOf(t);
    return sameShape(t) && (!own || (own.block === lead.block && own.kind === lead.kind));
  };
  return fits(x) && fits(y) ? lead : PLAIN;
}

function binary(op: number, args: KernelArgs, b: NativeBackend): tf.TensorInfo | null {
  const { a, b: bIn } = args.inputs;
  if (!a || !bIn || !allFloat32(a, bIn)) return null;
  const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, bIn.shape);
  const size = sizeOf(outShape);
  if (size === 0) return null;
  const out = b.alloc(size);
  // Elementwise work does not care about the layout, as long as both operands share it.
  const layout = sharedLayout(b, a, bIn, outShape);
  const va = sizeOf(a.shape) > 1 ? b.valuesIn(a, layout) : { values: b.f32(a), release: () => {} };
  const vb = sizeOf(bIn.shape) > 1 ? b.valuesIn(bIn, layout) : { values: b.f32(bIn), release: () => {} };
  b.addon.binary(op, va.values, vb.values, out, broadcastBlock(a.shape, bIn.shape, outShape));
  va.release();
  vb.release();
  return b.outputInLayout(outShape, out, layout);
}

function reluGrad(args: KernelArgs, b: NativeBackend): tf.TensorInfo {
  const out = binary(7, args, b);
  if (out) return out;
  // Only a zero-size tensor gets here: its gradient is as empty.
  return b.output(tf.backend_util.assertAndGetBroadcastShape(args.inputs['a']!.shape, args.inputs['b']!.shape), new Float32Array(0));
}

function unary(op: number, args: KernelArgs, b: NativeBackend): tf.TensorInfo | null {
  const { x } = args.inputs;
  if (!x || !allFloat32(x)) return null;
  const out = b.alloc(sizeOf(x.shape));
  const layout = b.layoutOf(x);
  // Step's alpha; ClipByValue's bounds.
  const attrs = args.attrs ?? {};
  b.addon.unary(op, b.valuesIn(x, layout).values, out, Number(attrs['alpha'] ?? attrs['clipValueMin'] ?? 0), Number(attrs['clipValueMax'] ?? 0));
  return b.outputInLayout(x.shape, out, layout);
}

function reduce(op: number, args: KernelArgs, b: NativeBackend): tf.TensorInfo | null {
  const { x } = args.inputs;
  if (!x || !allFloat32(x) || sizeOf(x.shape) === 0) return null;
  const attrs = args.attrs ?? {};
  // Max names its axes 'reductionIndices'; Sum, Mean and Min name them 'axis'.
  const axisAttr = (attrs['reductionIndices'] ?? attrs['axis']) as number | number[];
  const axes = [...tf.util.parseAxisParam(axisAttr, x.shape)].sort((p, q) => p - q);
  if (axes.length === 0) return null;
  // The addon reduces one contiguous run of axes; anything else uses the cpu kernel.
  for (let i = 1; i < axes.length; ++i) if (axes[i] !== axes[i - 1]! + 1) return null;
  const first = axes[0]!, last = axes[axes.length - 1]!;
  const outer = sizeOf(x.shape.slice(0, first));
  const r = sizeOf(x.shape.slice(first, last + 1));
  const inner = sizeOf(x.shape.slice(last + 1));
  const outShape = attrs['keepDims']
    ? x.shape.map((d, i) => (i >= first && i <= last ? 1 : d))
    : x.shape.filter((_, i) => i < first || i > last);
  const out = b.alloc(outer * inner);
  b.addon.reduce(op, b.f32(x), out, outer, r, inner);
  return b.output(outShape, out);
}

function batchNorm(args: KernelArgs, b: NativeBackend): tf.TensorInfo | null {
  const { x, mean, variance, offset, scale } = args.inputs;
  if (!x || !mean || !variance || !allFloat32(x, mean, variance, offset, scale)) return null;
  const c = channelsOf(x);
  const ok = [mean, variance, offset, scale].every((t) => t == null || sizeOf(t.shape) === 1 || sizeOf(t.shape) === c);
  if (!ok || sizeOf(x.shape) === 0) return null;
  const out = b.alloc(sizeOf(x.shape));
  const eps = Number(args.attrs?.['varianceEpsilon'] ?? 0.001);
  // Blocked activations (from a convolution) are normalised in their layout and stay in it.
  const xIn = b.f32InLayout(x, 'activation');
  b.addon.batchNorm(
    xIn.values, b.f32(mean), b.f32(variance), offset ? b.f32(offset) : null, scale ? b.f32(scale) : null,
    out, c, eps, xIn.block, spatialSize(x),
  );
  return b.outputInLayout(x.shape, out, { kind: 'activation', block: xIn.block });
}

/** Broadcasting binary ops, unary ops, reductions and batch-norm with OpenMP (Tile: copy-ops.ts). */
export function elementwiseKernels(): tf.KernelConfig[] {
  const k = (kernelName: string, f: Parameters<typeof withCpuFallback>[1]): tf.KernelConfig => ({
    kernelName,
    backendName: 'dkl-native',
    kernelFunc: withCpuFallback(kernelName, f),
  });
  return [
    ...BINARY_OPS.map(([name, op]) => k(name, (a, b) => binary(op, a, b))),
    { kernelName: RELU_GRAD_KERNEL, backendName: 'dkl-native', kernelFunc: (args) => reluGrad(args as KernelArgs, args.backend as NativeBackend) },
    ...UNARY_OPS.map(([name, op]) => k(name, (a, b) => unary(op, a, b))),
    ...REDUCE_OPS.map(([name, op]) => k(name, (a, b) => reduce(op, a, b))),
    k(tf.FusedBatchNorm, batchNorm),
  ];
}
