/**
 * The pixel runner of the augmentation pipeline: every step's definition (registry.ts) applied to
 * HWC float32 buffers reused across images. Random choices arrive as pre-drawn int32 parameters
 * (see plan.ts), so this runs the same on the main thread and in a worker. This file and the
 * definitions must not import @dkl/core or tfjs (workers load them without).
 */
import type { CompiledPipeline, ImageShape } from './spec.js';
import { transformDefinitionFor } from './registry.js';
import { scaleKernel } from './ops/to-float.js';

/** The fixed-shape kinds' kernels, for direct use (image-transforms.ts). */
export { padKernel, bilinearKernel } from './ops/pad-resize.js';
export { cropKernel } from './ops/random-crop.js';
export { flipKernel } from './ops/random-flip.js';
export { cutoutKernel } from './ops/cutout.js';
export { normalizeKernel } from './ops/normalize.js';
export { scaleKernel } from './ops/to-float.js';

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
  // A step writing a new image gets the spare buffer, grown when needed; never the current one.
  const spare = (length: number): Float32Array => {
    if (b.length < length) b = new Float32Array(length);
    return b;
  };
  let cur: ImageShape = shape;
  for (const step of pipeline.steps) {
    const definition = transformDefinitionFor(pipeline, step.spec.kind);
    if (!definition) throw new Error(`transform '${step.spec.kind}' is not known on this thread`);
    const len = volume(cur);
    const data = bytesFirst && step === pipeline.steps[0] ? (src.subarray(0, len) as unknown as Float32Array) : a.length === len ? a : a.subarray(0, len);
    const view = { data, height: cur[0], width: cur[1], channels: cur[2] };
    const result = definition.apply(step.spec, view, params, p + step.paramOffset, spare);
    if (result.data !== view.data) {
      // A new image: it becomes the current buffer; the old one is spare.
      b = a;
      a = result.data;
    }
    cur = [result.height, result.width, result.channels];
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
