/**
 * Pixel kernels of the augmentation pipeline: pure, allocation-light functions over HWC float32
 * buffers. Random choices arrive as pre-drawn int32 parameters (see plan.ts), so these run the
 * same on the main thread and in a worker. This file must not import @dkl/core or tfjs (workers load
 * it without them); the per-image transform kinds come from registry.ts.
 */
import type { CompiledPipeline, CompiledStep, ImageShape } from './spec.js';
import { transformDefinitionFor } from './registry.js';

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

/** Scratch buffers reused across samples (one set per thread); grown when an image needs more. */
export interface KernelScratch {
  a: Float32Array;
  b: Float32Array;
}

/** Scratch large enough for every fixed-size intermediate image of `pipeline`. */
export function createScratch(pipeline: CompiledPipeline): KernelScratch {
  let max = 0;
  for (const s of [pipeline.inShape, pipeline.outShape, ...pipeline.steps.map((x) => x.outShape)]) max = Math.max(max, s[0] * s[1] * s[2]);
  return { a: new Float32Array(max), b: new Float32Array(max) };
}

const volume = (s: ImageShape): number => s[0] * s[1] * s[2];

/**
 * Runs the steps of `pipeline` on one uint8 HWC image of `shape` (any size when the pipeline
 * starts with a varying size) with its parameters at `params[p ...]`, writing the float32 result
 * (of `pipeline.outShape`) into `out`.
 */
export function runImage(pipeline: CompiledPipeline, src: Uint8Array, shape: ImageShape, params: Int32Array, p: number, out: Float32Array, scratch: KernelScratch): void {
  const inLen = volume(shape);
  if (scratch.a.length < inLen) scratch.a = new Float32Array(inLen);
  let a = scratch.a;
  let b = scratch.b;
  const first = pipeline.steps[0] && transformDefinitionFor(pipeline, pipeline.steps[0].spec.kind);
  // A first step that only reads (random-resized-crop) takes the bytes as they are; otherwise
  // uint8 -> float32 in native code.
  const bytesFirst = first?.readsBytes === true;
  if (!bytesFirst) a.set(src.length === inLen ? src : src.subarray(0, inLen));
  let cur: ImageShape = shape;
  for (const step of pipeline.steps) {
    const spec = step.spec;
    const o = p + step.paramOffset;
    let next: ImageShape = cur;
    switch (spec.kind) {
      case 'pad-resize':
      case 'random-crop': {
        next = spec.kind === 'pad-resize' ? spec.to : cur;
        if (b.length < volume(next)) b = new Float32Array(volume(next));
        if (spec.kind === 'random-crop') cropKernel(a, cur, b, spec.padding, params[o]!, params[o + 1]!);
        else if (spec.mode === 'bilinear') bilinearKernel(a, cur, b, next);
        else padKernel(a, cur, b, next);
        break;
      }
      case 'random-flip':
        if (params[o] === 1) flipKernel(a, cur);
        break;
      case 'cutout': {
        const cy = params[o]!;
        if (cy >= 0) cutoutKernel(a, cur, spec.size, cy, params[o + 1]!);
        break;
      }
      case 'normalize':
        normalizeKernel(a, cur, spec.mean, spec.std);
        break;
      case 'to-float':
        scaleKernel(a, volume(cur), 1 / 255);
        break;
      default: {
        const definition = transformDefinitionFor(pipeline, spec.kind);
        if (!definition) throw new Error(`transform '${spec.kind}' is not known on this thread`);
        const len = volume(cur);
        const data = bytesFirst && step === pipeline.steps[0] ? (src.subarray(0, len) as unknown as Float32Array) : a.length === len ? a : a.subarray(0, len);
        const view = { data, height: cur[0], width: cur[1], channels: cur[2] };
        const result = definition.apply(spec, view, params, o);
        next = [result.height, result.width, result.channels];
        if (result.data !== view.data) {
          // A new image: it becomes the current buffer; the old one is spare.
          b = a;
          a = result.data;
        }
        break;
      }
    }
    if (!stepInPlace(step) && transformDefinitionFor(pipeline, spec.kind) === undefined) {
      const t = a;
      a = b;
      b = t;
    }
    cur = next;
  }
  const outLen = volume(pipeline.outShape);
  if (volume(cur) !== outLen || cur[0] !== pipeline.outShape[0] || cur[1] !== pipeline.outShape[1]) {
    throw new Error(`the pipeline produced a ${cur[0]}x${cur[1]}x${cur[2]} image, expected ${pipeline.outShape.join('x')}`);
  }
  if (!pipeline.scaled) scaleKernel(a, outLen, 1 / 255);
  out.set(a.subarray(0, outLen));
  // Keep the largest buffers for the next image.
  if (a.length >= scratch.a.length && a !== scratch.b) scratch.a = a;
  if (b.length >= scratch.b.length && b !== scratch.a) scratch.b = b;
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
  const inLen = volume(pipeline.inShape);
  const outLen = volume(pipeline.outShape);
  for (let i = 0; i < count; i++) {
    runImage(pipeline, images.subarray(i * inLen, (i + 1) * inLen), pipeline.inShape, params, i * pipeline.paramsPerSample, out.subarray(i * outLen, (i + 1) * outLen), scratch);
  }
  return out;
}
