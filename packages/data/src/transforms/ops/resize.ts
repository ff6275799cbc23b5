/**
 * `resize` = torchvision's `Resize(size)` with antialiased bilinear interpolation: one number sets
 * the shorter side (the longer becomes `int(size * long / short)`), `[h, w]` sets both.
 */
import { z } from 'zod';
import { defineImageTransform } from '../definition.js';
import { resizeBox } from '../resample.js';
import { sizeHW, sizeSchema } from './sizes.js';

export const resizeSchema = z.object({ kind: z.literal('resize'), size: sizeSchema }).strict();
export type ResizeSpec = z.output<typeof resizeSchema>;

/** Output `[height, width]` of Resize(size) for an image of `height` x `width`. */
export function resizedSize(size: ResizeSpec['size'], height: number, width: number): [number, number] {
  if (typeof size !== 'number') return [size[0], size[1]];
  if (width <= height) return [Math.trunc((size * height) / width), size];
  return [size, Math.trunc((size * width) / height)];
}

export const resize = defineImageTransform<ResizeSpec>({
  kind: 'resize',
  description: 'torchvision Resize(size): shorter side to size (or [h, w]), antialiased bilinear',
  schema: resizeSchema as z.ZodType<ResizeSpec>,
  outShape: (spec, [h, w, c]) => {
    if (typeof spec.size !== 'number') return [...sizeHW(spec.size), c];
    return h > 0 && w > 0 ? [...resizedSize(spec.size, h, w), c] : [0, 0, c];
  },
  paramCount: () => 0,
  plan: () => undefined,
  readsBytes: true,
  apply: (spec, image) => {
    const [oh, ow] = resizedSize(spec.size, image.height, image.width);
    return resizeBox(image, 0, 0, image.height, image.width, oh, ow);
  },
});
