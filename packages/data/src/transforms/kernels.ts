/**
 * Pixel kernels of the augmentation pipeline: pure, allocation-light functions over HWC float32
 * buffers. Random choices arrive as pre-drawn int32 parameters (see plan.ts), so these run the
 * same on the main thread and in a worker. This file must not import runtime code (workers load
 * it without @dkl/core or tfjs).
 */
import type { CompiledPipeline, CompiledStep, ImageShape } from './spec.js';

/** Luma weights (ITU-R BT.601) for 3 -> 1 channel conversion. */
const LUMA = [0.299, 0.587, 0.114] as const;

function channelMap(cIn: number, cOut: number, src: Float32Array, i: number, c: number): number {
  if (cIn === cOut) return src[i + c]!;
  if (cIn === 1) return src[i]!;
  return LUMA[0] * src[i]! + LUMA[1] * src[i + 1]! + LUMA[2] * src[i + 2]!;
}

/** Centred zero-pad (or centre-crop) to `outShape`, mapping channels. */
export function padKernel(src: Float32Array, inShape: ImageShape, dst: Float32Array, outShape: ImageShape): void {
  const [h, w, cIn] = inShape;
  const [oh, ow, cOut] = outShape;
  dst.fill(0, 0, oh * ow * cOut);
  const top = Math.floor((oh - h) / 2);
  const left = Math.floor((ow - w) / 2);
  for (let y = 0; y < oh; y++) {
    const sy = y - top;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < ow; x++) {
      const sx = x - left;
      if (sx < 0 || sx >= w) continue;
      const si = (sy * w + sx) * cIn;
      const di = (y * ow + x) * cOut;
      for (let c = 0; c < cOut; c++) dst[di + c] = channelMap(cIn, cOut, src, si, c);
    }
  }
}

/** Bilinear resample (half-pixel centres, edge clamp) to `outShape`, mapping channels. */
export function bilinearKernel(src: Float32Array, inShape: ImageShape, dst: Float32Array, outShape: ImageShape): void {
  const [h, w, cIn] = inShape;
  const [oh, ow, cOut] = outShape;
  const sh = h / oh;
  const sw = w / ow;
  const px = new Float32Array(cIn);
  for (let y = 0; y < oh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sh - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const ty = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sw - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const tx = fx - x0;
      for (let c = 0; c < cIn; c++) {
        const a = src[(y0 * w + x0) * cIn + c]!;
        const b = src[(y0 * w + x1) * cIn + c]!;
        const d = src[(y1 * w + x0) * cIn + c]!;
        const e = src[(y1 * w + x1) * cIn + c]!;
        px[c] = (a * (1 - tx) + b * tx) * (1 - ty) + (d * (1 - tx) + e * tx) * ty;
      }
      const di = (y * ow + x) * cOut;
      for (let c = 0; c < cOut; c++) dst[di + c] = channelMap(cIn, cOut, px, 0, c);
    }
  }
}

/**
 * Crop of the original size at offset (`dy`, `dx`) in [0, 2 * padding] of the zero-padded image:
 * `dst[y][x] = src[y + dy - padding][x + dx - padding]`, 0 outside.
 */
export function cropKernel(src: Float32Array, shape: ImageShape, dst: Float32Array, padding: number, dy: number, dx: number): void {
  const [h, w, c] = shape;
  const oy = dy - padding;
  const ox = dx - padding;
  const row = w * c;
  dst.fill(0, 0, h * row);
  const x0 = Math.max(0, -ox);
  const x1 = Math.min(w, w - ox);
  if (x1 <= x0) return;
  for (let y = 0; y < h; y++) {
    const sy = y + oy;
    if (sy < 0 || sy >= h) continue;
    dst.set(src.subarray(sy * row + (x0 + ox) * c, sy * row + (x1 + ox) * c), y * row + x0 * c);
  }
}

/** Mirrors left-right in place. */
export function flipKernel(buf: Float32Array, shape: ImageShape): void {
  const [h, w, c] = shape;
  for (let y = 0; y < h; y++) {
    const base = y * w * c;
    for (let x = 0; x < w >> 1; x++) {
      const a = base + x * c;
      const b = base + (w - 1 - x) * c;
      for (let k = 0; k < c; k++) {
        const t = buf[a + k]!;
        buf[a + k] = buf[b + k]!;
        buf[b + k] = t;
      }
    }
  }
}

/** Zeros the `size` x `size` square centred at (`cy`, `cx`), clipped at the border, in place. */
export function cutoutKernel(buf: Float32Array, shape: ImageShape, size: number, cy: number, cx: number): void {
  const [h, w, c] = shape;
  const half = Math.floor(size / 2);
  const y0 = Math.max(0, cy - half);
  const y1 = Math.min(h, cy - half + size);
  const x0 = Math.max(0, cx - half);
  const x1 = Math.min(w, cx - half + size);
  for (let y = y0; y < y1; y++) buf.fill(0, (y * w + x0) * c, (y * w + x1) * c);
}

/** `(x / 255 - mean[c]) / std[c]` in place. */
export function normalizeKernel(buf: Float32Array, shape: ImageShape, mean: readonly number[], std: readonly number[]): void {
  const c = shape[2];
  const n = shape[0] * shape[1] * c;
  for (let k = 0; k < c; k++) {
    const m = mean.length === 1 ? mean[0]! : mean[k]!;
    const s = std.length === 1 ? std[0]! : std[k]!;
    // x/255/s - m/s as one multiply-add; computed in float64 then stored as float32.
    const scale = 1 / (255 * s);
    const shift = -m / s;
    for (let i = k; i < n; i += c) buf[i] = buf[i]! * scale + shift;
  }
}

/** Multiplies every value by `factor` in place. */
export function scaleKernel(buf: Float32Array, length: number, factor: number): void {
  for (let i = 0; i < length; i++) buf[i] = buf[i]! * factor;
}

function stepInPlace(step: CompiledStep): boolean {
  const k = step.spec.kind;
  return k === 'random-flip' || k === 'cutout' || k === 'normalize' || k === 'to-float';
}

/** Scratch buffers reused across samples (one set per thread). */
export interface KernelScratch {
  a: Float32Array;
  b: Float32Array;
}

/** Scratch large enough for every intermediate image of `pipeline`. */
export function createScratch(pipeline: CompiledPipeline): KernelScratch {
  let max = 0;
  for (const s of [pipeline.inShape, pipeline.outShape, ...pipeline.steps.map((x) => x.outShape)]) max = Math.max(max, s[0] * s[1] * s[2]);
  return { a: new Float32Array(max), b: new Float32Array(max) };
}

/**
 * Runs `pipeline` over `count` uint8 HWC images packed in `images`, with `params` holding
 * `pipeline.paramsPerSample` int32 values per sample, writing float32 images into `out`.
 */
export function runPipeline(
  pipeline: CompiledPipeline,
  images: Uint8Array,
  count: number,
  params: Int32Array,
  out: Float32Array,
  scratch: KernelScratch = createScratch(pipeline),
): Float32Array {
  const inLen = pipeline.inShape[0] * pipeline.inShape[1] * pipeline.inShape[2];
  const outLen = pipeline.outShape[0] * pipeline.outShape[1] * pipeline.outShape[2];
  let { a, b } = scratch;
  for (let i = 0; i < count; i++) {
    const src = images.subarray(i * inLen, (i + 1) * inLen);
    for (let j = 0; j < inLen; j++) a[j] = src[j]!;
    const p = i * pipeline.paramsPerSample;
    for (const step of pipeline.steps) {
      const spec = step.spec;
      switch (spec.kind) {
        case 'pad-resize':
          if (spec.mode === 'bilinear') bilinearKernel(a, step.inShape, b, step.outShape);
          else padKernel(a, step.inShape, b, step.outShape);
          break;
        case 'random-crop':
          cropKernel(a, step.inShape, b, spec.padding, params[p + step.paramOffset]!, params[p + step.paramOffset + 1]!);
          break;
        case 'random-flip':
          if (params[p + step.paramOffset] === 1) flipKernel(a, step.inShape);
          break;
        case 'cutout': {
          const cy = params[p + step.paramOffset]!;
          if (cy >= 0) cutoutKernel(a, step.inShape, spec.size, cy, params[p + step.paramOffset + 1]!);
          break;
        }
        case 'normalize':
          normalizeKernel(a, step.inShape, spec.mean, spec.std);
          break;
        case 'to-float':
          scaleKernel(a, step.inShape[0] * step.inShape[1] * step.inShape[2], 1 / 255);
          break;
      }
      if (!stepInPlace(step)) {
        const t = a;
        a = b;
        b = t;
      }
    }
    if (!pipeline.scaled) scaleKernel(a, outLen, 1 / 255);
    out.set(a.subarray(0, outLen), i * outLen);
  }
  return out;
}
