/**
 * Decode + augment one batch of image files: what a data worker (or the loader's own thread)
 * runs for a streaming dataset. Only this batch's images are ever in memory. Worker-safe: no
 * @dkl/core, no tfjs.
 */
import { mapLimit } from '../datasets/map-limit.js';
import { createScratch, runImage, type KernelScratch } from '../transforms/kernels.js';
import type { CompiledPipeline } from '../transforms/spec.js';
import { randomResizedCropBox, type RandomResizedCropSpec } from '../transforms/ops/random-resized-crop.js';
import { uniformParam } from '../transforms/image-buffer.js';
import { decodeImageFile } from './decode-file.js';
import { resizeBox } from '../transforms/resample.js';
import { decodeCrop } from './resized-crop-file.js';

/** A batch of decoded, augmented images; rows whose file could not be decoded are left out. */
export interface LoadedBatch {
  /** `kept.length` images of `pipeline.outShape`, float32. */
  readonly x: Float32Array;
  /** Batch rows present in `x`, in order. */
  readonly kept: Int32Array;
  /** Rows that failed, with the decoder's message. */
  readonly bad: { readonly row: number; readonly message: string }[];
}

/** Files decoded at once per batch (sharp decodes on libuv's thread pool). */
const DECODE_CONCURRENCY = 4;

/**
 * The resized crop, reused for every image: resize and the rest of the pipeline run synchronously
 * one image at a time, and a fresh 600 KB array per image costs more than the resize (fresh pages
 * fault in, and the garbage collector frees them again).
 */
let resizedBuffer = new Float32Array(0);

/**
 * Decodes `files` as `channels`-channel images and runs `pipeline` with row i's parameters at
 * `params[i * paramsPerSample]`. `allocate` gives the batch array (every element is written when
 * no image fails; the loader passes recycled tensor storage).
 */
export async function loadAndAugment(
  pipeline: CompiledPipeline,
  files: readonly string[],
  channels: 1 | 3,
  params: Int32Array,
  scratch: KernelScratch[] = [],
  allocate: (length: number) => Float32Array = (n) => new Float32Array(n),
): Promise<LoadedBatch> {
  const [h, w, c] = pipeline.outShape;
  const outLen = h * w * c;
  const x = allocate(files.length * outLen);
  const ok = new Uint8Array(files.length);
  const bad: { row: number; message: string }[] = [];
  // One scratch per concurrent decode: runImage is synchronous, but keep them apart anyway.
  while (scratch.length < DECODE_CONCURRENCY) scratch.push(createScratch(pipeline));
  let slot = 0;
  const crop = nativeCrop(pipeline);
  await mapLimit(files, DECODE_CONCURRENCY, async (file, row) => {
    const p = row * pipeline.paramsPerSample;
    let img;
    try {
      if (crop) {
        const [oh, ow] = crop.size;
        const u = (i: number) => uniformParam(params[p + crop.paramOffset + i]!);
        const box = await decodeCrop(file, channels, (h, w) => randomResizedCropBox(h, w, crop.spec.scale, crop.spec.ratio, u));
        // The box's bytes are read as they are (resizeBox only reads its input).
        if (resizedBuffer.length < oh * ow * channels) resizedBuffer = new Float32Array(oh * ow * channels);
        const resized = resizeBox({ data: box.data as unknown as Float32Array, height: box.height, width: box.width, channels }, 0, 0, box.height, box.width, oh, ow, resizedBuffer);
        // Float pixels in 0-255 units, as the rest of the pipeline expects them (runImage copies them).
        img = { data: resized.data as unknown as Uint8Array, height: oh, width: ow, channels };
      } else img = await decodeImageFile(file, channels);
    } catch (error) {
      bad.push({ row, message: (error as Error).message });
      return;
    }
    runImage(crop?.rest ?? pipeline, img.data, [img.height, img.width, img.channels], params, p, x.subarray(row * outLen, (row + 1) * outLen), scratch[slot++ % scratch.length]!);
    ok[row] = 1;
  });
  if (bad.length === 0) return { x, kept: Int32Array.from(files, (_, i) => i), bad };
  const kept = Int32Array.from(ok.reduce<number[]>((acc, v, i) => (v ? [...acc, i] : acc), []));
  const compact = new Float32Array(kept.length * outLen);
  kept.forEach((row, i) => compact.set(x.subarray(row * outLen, (row + 1) * outLen), i * outLen));
  bad.sort((a, b) => a.row - b.row);
  return { x: compact, kept, bad };
}

/**
 * A leading `random-resized-crop` crops in libvips with the decode (resized-crop-file.ts) and
 * resizes the box alone; the rest of the pipeline (its parameters keep their offsets) runs on
 * the result.
 */
function nativeCrop(pipeline: CompiledPipeline): { spec: RandomResizedCropSpec; size: readonly [number, number]; paramOffset: number; rest: CompiledPipeline } | undefined {
  const first = pipeline.steps[0];
  if (first?.spec.kind !== 'random-resized-crop') return undefined;
  return {
    spec: first.spec as RandomResizedCropSpec,
    size: [first.outShape[0], first.outShape[1]],
    paramOffset: first.paramOffset,
    rest: { ...pipeline, inShape: first.outShape, steps: pipeline.steps.slice(1) },
  };
}
