/**
 * `color-jitter` = torchvision's `ColorJitter(brightness, contrast, saturation, hue)`: a number v
 * means the factor range [max(0, 1 - v), 1 + v] (hue: [-v, v], v <= 0.5), a pair is the range
 * itself; the four adjustments run in a random order, each with its factor ~ U(range); a range
 * that is exactly the identity is skipped.
 */
import { z } from 'zod';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from '../color.js';
import { defineImageTransform } from '../definition.js';
import { uniformParam, UNIFORM_SCALE } from '../image-buffer.js';
import { rangeSchema } from './sizes.js';

const factor = z.union([z.number().min(0), rangeSchema(0)]);
export const colorJitterSchema = z
  .object({
    kind: z.literal('color-jitter'),
    brightness: factor.default(0),
    contrast: factor.default(0),
    saturation: factor.default(0),
    hue: z.union([z.number().min(0).max(0.5), rangeSchema(-0.5).refine(([, b]) => b <= 0.5, { message: 'must lie in [-0.5, 0.5]' })]).default(0),
  })
  .strict();
export type ColorJitterSpec = z.output<typeof colorJitterSchema>;

/** The factor ranges, or undefined for an identity range (torchvision's `_check_input`). */
export function jitterRanges(spec: ColorJitterSpec): [([number, number] | undefined)[], readonly number[]] {
  const around = (v: number | readonly [number, number], center: number, lower: number): [number, number] | undefined => {
    const r: [number, number] = typeof v === 'number' ? [Math.max(lower, center - v), center + v] : [v[0], v[1]];
    return r[0] === center && r[1] === center ? undefined : r;
  };
  return [[around(spec.brightness, 1, 0), around(spec.contrast, 1, 0), around(spec.saturation, 1, 0), around(spec.hue, 0, -0.5)], [1, 1, 1, 0]];
}

const ADJUST = [adjustBrightness, adjustContrast, adjustSaturation, adjustHue] as const;

export const colorJitter = defineImageTransform<ColorJitterSpec>({
  kind: 'color-jitter',
  description: 'torchvision ColorJitter(brightness, contrast, saturation, hue) in a random order',
  schema: colorJitterSchema as z.ZodType<ColorJitterSpec>,
  outShape: (_spec, s) => s,
  paramCount: () => 8,
  plan: (_spec, rng, params, offset) => {
    params.set(rng.permutation(4), offset);
    for (let i = 0; i < 4; i++) params[offset + 4 + i] = rng.int(UNIFORM_SCALE);
  },
  apply: (spec, image, params, offset) => {
    const [ranges] = jitterRanges(spec);
    let img = image;
    for (let k = 0; k < 4; k++) {
      const fn = params[offset + k]!;
      const range = ranges[fn];
      if (!range) continue;
      const f = range[0] + (range[1] - range[0]) * uniformParam(params[offset + 4 + fn]!);
      img = ADJUST[fn]!(img, f);
    }
    return img;
  },
});
