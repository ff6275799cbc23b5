/** `to-float`: torchvision's `ToTensor()` scaling, 0-255 to 0-1 (a pipeline scales to 0-1 at most once). */
import { z } from 'zod';
import { defineImageTransform } from '../definition.js';

/** Scale 0-255 to 0-1 without normalising. */
export interface ToFloatSpec {
  readonly kind: 'to-float';
}

export const toFloatSchema = z.object({ kind: z.literal('to-float') }).strict();

/** Multiplies every value by `factor` in place. */
export function scaleKernel(buf: Float32Array, length: number, factor: number): void {
  for (let i = 0; i < length; i++) buf[i] = buf[i]! * factor;
}

export const toFloatDefinition = defineImageTransform<ToFloatSpec>({
  kind: 'to-float',
  description: 'scale 0-255 to 0-1 without normalising',
  schema: toFloatSchema as z.ZodType<ToFloatSpec>,
  scalesToUnit: true,
  outShape: (_spec, shape) => shape,
  paramCount: () => 0,
  plan: () => undefined,
  apply: (_spec, image) => {
    scaleKernel(image.data, image.height * image.width * image.channels, 1 / 255);
    return image;
  },
});
