/** `random-flip`: torchvision's `RandomHorizontalFlip(p)`, in place. */
import { z } from 'zod';
import { defineImageTransform } from '../definition.js';
import type { ImageShape } from '../spec.js';
import { probability } from './sizes.js';

/** Mirror left-right with probability `p` (default 0.5). */
export interface RandomFlipSpec {
  readonly kind: 'random-flip';
  readonly p?: number;
}

export const randomFlipSchema = z.object({ kind: z.literal('random-flip'), p: probability.optional() }).strict();

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

export const randomFlipDefinition = defineImageTransform<RandomFlipSpec>({
  kind: 'random-flip',
  description: 'torchvision RandomHorizontalFlip(p): mirror left-right with probability p (default 0.5)',
  schema: randomFlipSchema as z.ZodType<RandomFlipSpec>,
  outShape: (_spec, shape) => shape,
  paramCount: () => 1,
  plan: (spec, rng, params, offset) => {
    params[offset] = rng.bernoulli(spec.p ?? 0.5) ? 1 : 0;
  },
  apply: (_spec, image, params, offset) => {
    if (params[offset] === 1) flipKernel(image.data, [image.height, image.width, image.channels]);
    return image;
  },
});
