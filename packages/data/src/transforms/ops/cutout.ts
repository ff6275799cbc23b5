/** `cutout` (DeVries & Taylor 2017), in place; needs a fixed input size (the centre is drawn from it). */
import { z } from 'zod';
import { defineImageTransform, TransformStepError } from '../definition.js';
import type { ImageShape } from '../spec.js';
import { positiveInt, probability } from './sizes.js';

/** Cutout (DeVries & Taylor 2017): zero a `size` x `size` square (clipped at the border) at a uniform centre, with probability `p` (default 1). */
export interface CutoutSpec {
  readonly kind: 'cutout';
  readonly size: number;
  readonly p?: number;
}

export const cutoutSchema = z.object({ kind: z.literal('cutout'), size: positiveInt, p: probability.optional() }).strict();

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

export const cutoutDefinition = defineImageTransform<CutoutSpec>({
  kind: 'cutout',
  description: 'Cutout: zero a size x size square (clipped at the border) at a uniform centre, with probability p (default 1)',
  schema: cutoutSchema as z.ZodType<CutoutSpec>,
  outShape: (_spec, shape) => {
    if (shape[0] === 0) throw new TransformStepError('', 'cutout needs a fixed image size here; put it after a step that fixes the size (random-resized-crop, center-crop, resize with [h, w], pad-resize)');
    return shape;
  },
  paramCount: () => 2,
  plan: (spec, rng, params, offset, inShape) => {
    if (!inShape) throw new Error('cutout draws its centre from the input shape: pass inShape to plan');
    const [h, w] = inShape;
    // Draw the centre even when skipped so p does not shift later samples' streams.
    const apply = rng.bernoulli(spec.p ?? 1);
    const cy = rng.int(h);
    const cx = rng.int(w);
    params[offset] = apply ? cy : -1;
    params[offset + 1] = cx;
  },
  apply: (spec, image, params, offset) => {
    const cy = params[offset]!;
    if (cy >= 0) cutoutKernel(image.data, [image.height, image.width, image.channels], spec.size, cy, params[offset + 1]!);
    return image;
  },
});
