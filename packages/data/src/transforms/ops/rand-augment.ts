/**
 * `rand-augment` = torchvision's `RandAugment(num_ops=N, magnitude=M, num_magnitude_bins=31)`: N
 * ops drawn uniformly (with replacement) from the 14 of {@link AUGMENT_OPS}, each at magnitude
 * level M, negated with probability 1/2 for signed ops. FixMatch's strong augmentation.
 */
import { z } from 'zod';
import { defineImageTransform } from '../definition.js';
import { AUGMENT_OPS, applyOp, opSpace } from './augment-ops.js';

export const randAugmentSchema = z
  .object({
    kind: z.literal('rand-augment'),
    /** Ops per image (torchvision `num_ops`). */
    N: z.number().int().min(0).default(2),
    /** Magnitude level in [0, bins) (torchvision `magnitude`). */
    M: z.number().int().min(0).default(9),
    bins: z.number().int().min(2).default(31),
  })
  .strict()
  .refine((s) => s.M < s.bins, { message: 'M must be below bins', path: ['M'] });
export type RandAugmentSpec = z.output<typeof randAugmentSchema>;

export const randAugment = defineImageTransform<RandAugmentSpec>({
  kind: 'rand-augment',
  description: 'torchvision RandAugment(num_ops=N, magnitude=M, num_magnitude_bins=bins)',
  schema: randAugmentSchema as unknown as z.ZodType<RandAugmentSpec>,
  outShape: (_spec, s) => s,
  paramCount: (spec) => 2 * spec.N,
  plan: (spec, rng, params, offset) => {
    for (let i = 0; i < spec.N; i++) {
      params[offset + 2 * i] = rng.int(AUGMENT_OPS.length);
      params[offset + 2 * i + 1] = rng.int(2);
    }
  },
  apply: (spec, image, params, offset) => {
    let img = image;
    for (let i = 0; i < spec.N; i++) {
      const op = AUGMENT_OPS[params[offset + 2 * i]!]!;
      const [magnitudes, signed] = opSpace(op, 'rand', spec.bins, img.height, img.width);
      let magnitude = magnitudes ? magnitudes[spec.M]! : 0;
      if (signed && params[offset + 2 * i + 1] === 1) magnitude = -magnitude;
      img = applyOp(img, op, magnitude);
    }
    return img;
  },
});
