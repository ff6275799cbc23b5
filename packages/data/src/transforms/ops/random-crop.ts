/** `random-crop`: torchvision's `RandomCrop(size, padding)` with the output size of the input (CIFAR: padding 4). */
import { z } from 'zod';
import { defineImageTransform } from '../definition.js';
import type { ImageShape } from '../spec.js';

/** Random crop of the original size from the image zero-padded by `padding` on every side. */
export interface RandomCropSpec {
  readonly kind: 'random-crop';
  readonly padding: number;
}

export const randomCropSchema = z.object({ kind: z.literal('random-crop'), padding: z.number().int().min(0) }).strict();

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

export const randomCropDefinition = defineImageTransform<RandomCropSpec>({
  kind: 'random-crop',
  description: 'torchvision RandomCrop: a crop of the input size from the image zero-padded by padding',
  schema: randomCropSchema as z.ZodType<RandomCropSpec>,
  outShape: (_spec, shape) => shape,
  paramCount: () => 2,
  plan: (spec, rng, params, offset) => {
    params[offset] = rng.int(2 * spec.padding + 1);
    params[offset + 1] = rng.int(2 * spec.padding + 1);
  },
  apply: (spec, image, params, offset, spare) => {
    const { height, width, channels } = image;
    const dst = spare?.(height * width * channels) ?? new Float32Array(height * width * channels);
    cropKernel(image.data, [height, width, channels], dst, spec.padding, params[offset]!, params[offset + 1]!);
    return { data: dst, height, width, channels };
  },
});
