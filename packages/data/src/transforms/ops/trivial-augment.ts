/**
 * `trivial-augment` = torchvision's `TrivialAugmentWide(num_magnitude_bins=31)`: one op drawn
 * uniformly, one magnitude level drawn uniformly, negated with probability 1/2 for signed ops.
 */
import { z } from 'zod';
import { defineImageTransform } from '../definition.js';
import { AUGMENT_OPS, applyOp, opSpace } from './augment-ops.js';

export const trivialAugmentSchema = z.object({ kind: z.literal('trivial-augment'), bins: z.number().int().min(2).default(31) }).strict();
export type TrivialAugmentSpec = z.output<typeof trivialAugmentSchema>;

export const trivialAugment = defineImageTransform<TrivialAugmentSpec>({
  kind: 'trivial-augment',
  description: 'torchvision TrivialAugmentWide(num_magnitude_bins=bins)',
  schema: trivialAugmentSchema as z.ZodType<TrivialAugmentSpec>,
  outShape: (_spec, s) => s,
  paramCount: () => 3,
  plan: (spec, rng, params, offset) => {
    params[offset] = rng.int(AUGMENT_OPS.length);
    params[offset + 1] = rng.int(spec.bins);
    params[offset + 2] = rng.int(2);
  },
  apply: (spec, image, params, offset) => {
    const op = AUGMENT_OPS[params[offset]!]!;
    const [magnitudes, signed] = opSpace(op, 'trivial-wide', spec.bins, image.height, image.width);
    let magnitude = magnitudes ? magnitudes[params[offset + 1]!]! : 0;
    if (signed && params[offset + 2] === 1) magnitude = -magnitude;
    return applyOp(image, op, magnitude);
  },
});
