/** `random-grayscale` = torchvision's `RandomGrayscale(p=0.1)`: with probability p, luma replicated to every channel. */
import { z } from 'zod';
import { toGrayscale } from '../color.js';
import { defineImageTransform } from '../definition.js';

export const randomGrayscaleSchema = z.object({ kind: z.literal('random-grayscale'), p: z.number().min(0).max(1).default(0.1) }).strict();
export type RandomGrayscaleSpec = z.output<typeof randomGrayscaleSchema>;

export const randomGrayscale = defineImageTransform<RandomGrayscaleSpec>({
  kind: 'random-grayscale',
  description: 'torchvision RandomGrayscale(p): grayscale (channels kept) with probability p',
  schema: randomGrayscaleSchema as z.ZodType<RandomGrayscaleSpec>,
  outShape: (_spec, s) => s,
  paramCount: () => 1,
  plan: (spec, rng, params, offset) => {
    params[offset] = rng.bernoulli(spec.p) ? 1 : 0;
  },
  apply: (_spec, image, params, offset) => (params[offset] === 1 ? toGrayscale(image) : image),
});
