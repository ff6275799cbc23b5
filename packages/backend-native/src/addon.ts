import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Library facts the addon reports. */
export interface AddonInfo {
  onednnVersion: string;
  threads: number;
  cpuRuntime: string;
  /** oneDNN's effective CPU ISA (capped by ONEDNN_MAX_CPU_ISA), e.g. 'AVX512_CORE_BF16'. */
  isa: string;
  /** Whether that ISA computes bf16 natively (AVX512_BF16 or AMX). */
  bf16: boolean;
}

/** What the addon's store of bf16 operand copies holds. */
export interface Bf16CopyStats {
  sources: number;
  copies: number;
  bytes: number;
  parkedBytes: number;
  /** bf16 operand conversions the conv and matmul entry points made since the process started... */
  converted: number;
  /** ... and those a held copy saved. */
  reused: number;
}

/** The oneDNN implementations a convolution's three passes get, e.g. 'brgconv:avx512_core_bf16'. */
export interface ConvImpls {
  forward: string;
  backwardData: string;
  backwardWeights: string;
}

/**
 * The functions exported by native/build/Release/dkl_native.node. Every function reads
 * and writes the typed arrays it is given during the call only.
 */
export interface NativeAddon {
  info(): AddonInfo;
  setThreads(threads: number): number;
  /**
   * The three convolution passes share one argument order: the two operands read
   * (`a`, `b`), the buffer written, the params, the operands' layout codes,
   * `acceptBlocked`, the precision code and the operands' source ids.
   * Activation layout codes: 0 = NHWC, 8 / 16 = oneDNN's nChw8c / nChw16c; filter
   * layout codes: 0 = HWIO, 8 / 16 = OIhw8i8o / OIhw16i16o. Each pass returns the
   * layout it wrote its output in (blocked only when `acceptBlocked`). Precision
   * codes (default 0): 0 = fp32; 1 = bf16 operands (rounded inside the call) with
   * fp32 accumulation and fp32 outputs. The ids name the operands' values for the
   * bf16 copies (see `releaseBf16Copies`); 0 or absent converts anew. The forward
   * pass takes its bias and the slope of a fused leaky relu (`alpha`, default 0) last.
   */
  convForward(
    x: Float32Array, w: Float32Array, y: Float32Array, params: Int32Array, xLayout: number, wLayout: number, acceptBlocked: boolean,
    precision?: number, xId?: number, wId?: number, bias?: Float32Array | null, alpha?: number,
  ): number;
  convBackwardData(
    dy: Float32Array, w: Float32Array, dx: Float32Array, params: Int32Array, dyLayout: number, wLayout: number, acceptBlocked: boolean,
    precision?: number, dyId?: number, wId?: number,
  ): number;
  convBackwardWeights(
    x: Float32Array, dy: Float32Array, dw: Float32Array, params: Int32Array, xLayout: number, dyLayout: number, acceptBlocked: boolean,
    precision?: number, xId?: number, dyId?: number,
  ): number;
  /**
   * Drops the bf16 copies kept for source id `sourceId` (a positive integer the
   * caller gave a conv entry point and never gives again for other values).
   */
  releaseBf16Copies(sourceId: number): void;
  /** Frees every kept bf16 copy and parked copy buffer. */
  clearBf16Copies(): void;
  /** Source ids with copies, copies held, their bytes, and bytes of buffers parked for reuse. */
  bf16CopyStats(): Bf16CopyStats;
  /** The oneDNN implementations chosen for a convolution (params as for convForward) at a precision code. */
  convImpls(params: Int32Array, precision?: number): ConvImpls;
  /** Copies a filter of HWIO shape `dims` from layout `from` to layout `to`. */
  relayoutFilter(src: Float32Array, dst: Float32Array, dims: Int32Array, from: number, to: number): void;
  /**
   * One PyTorch SGD step: hyper = [learningRate, momentum, dampening, weightDecay, nesterov (0/1)];
   * `buf` null on the first step, `bufOut` null when momentum is 0.
   */
  sgdUpdate(w: Float32Array, grad: Float32Array, buf: Float32Array | null, wOut: Float32Array, bufOut: Float32Array | null, hyper: Float64Array): void;
  /** Copies an activation of NHWC shape `dims` from layout `from` to layout `to`. */
  relayout(src: Float32Array, dst: Float32Array, dims: Int32Array, from: number, to: number): void;
  matMul(
    a: Float32Array, b: Float32Array, bias: Float32Array | null, out: Float32Array, params: Int32Array, alpha: number, precision?: number,
  ): void;
  poolForward(x: Float32Array, y: Float32Array, params: Int32Array): void;
  poolBackward(dy: Float32Array, x: Float32Array, dx: Float32Array, params: Int32Array): void;
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array, shape: Int32Array): void;
  /** `alpha`: Step's value at x <= 0, the lower bound of clip; `beta`: the upper bound of clip. */
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number, beta?: number): void;
  reduce(op: number, x: Float32Array, out: Float32Array, outer: number, r: number, inner: number): void;
  batchNorm(
    x: Float32Array,
    mean: Float32Array,
    variance: Float32Array,
    offset: Float32Array | null,
    scale: Float32Array | null,
    out: Float32Array,
    channels: number,
    eps: number,
    layout?: number,
    hw?: number,
    relu?: boolean,
  ): void;
  /** The input gradient of `batchNorm`: dx = (dy masked by relu'(y) when y is given) * scale / sqrt(variance + eps). */
  bnInferBackward(
    dy: Float32Array, y: Float32Array | null, variance: Float32Array, scale: Float32Array | null, dx: Float32Array,
    channels: number, eps: number, layout?: number, hw?: number,
  ): void;
  tile(x: Float32Array, out: Float32Array, shape: Int32Array): void;
  bnTrainForward(
    x: Float32Array, gamma: Float32Array, beta: Float32Array,
    y: Float32Array, mean: Float32Array, variance: Float32Array, channels: number, eps: number,
    layout?: number, hw?: number, relu?: boolean,
  ): void;
  bnTrainBackward(
    dy: Float32Array, x: Float32Array, gamma: Float32Array, mean: Float32Array, variance: Float32Array,
    dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, channels: number, eps: number,
    layout?: number, hw?: number, y?: Float32Array | null,
  ): void;
}

/** Where node-gyp puts the addon (the same relative path from src/ and dist/). */
export const ADDON_PATH = fileURLToPath(new URL('../native/build/Release/dkl_native.node', import.meta.url));

/** The message thrown when the addon binary at `path` has not been built. */
export function addonMissingMessage(path: string = ADDON_PATH): string {
  return (
    `the dkl-native addon is not built (${path} is missing): install libdnnl-dev ` +
    '(apt-get install -y libdnnl-dev) and run npm run build:native -w @dkl/backend-native'
  );
}

let cached: NativeAddon | undefined;

/** True when the addon binary exists on disk (it may still fail to load). */
export function isAddonBuilt(path: string = ADDON_PATH): boolean {
  return existsSync(path);
}

/**
 * Loads the addon (once per path); throws an Error with a clear message when it
 * is absent or unloadable.
 */
export function loadAddon(path: string = ADDON_PATH): NativeAddon {
  if (cached && path === ADDON_PATH) return cached;
  if (!isAddonBuilt(path)) throw new Error(addonMissingMessage(path));
  // OpenMP reads its environment when the library loads. Passive waiting keeps idle threads from
  // spinning at barriers, which otherwise collapses throughput whenever another process shares the
  // cores (CI machines, a data worker, a second run); the user's own setting wins.
  process.env['OMP_WAIT_POLICY'] ??= 'PASSIVE';
  const require = createRequire(import.meta.url);
  let addon: NativeAddon;
  try {
    addon = require(path) as NativeAddon;
  } catch (err) {
    throw new Error(
      `the dkl-native addon at ${path} failed to load (${(err as Error).message}); ` +
        'is libdnnl2 installed? Rebuild with npm run build:native -w @dkl/backend-native',
      { cause: err },
    );
  }
  if (path === ADDON_PATH) cached = addon;
  return addon;
}
