/**
 * `center-crop` = torchvision's `CenterCrop(size)`: the centred box (offsets `round((H - h) / 2)`,
 * Python rounding); an image smaller than `size` is first zero-padded as torchvision does.
 */
import { z } from 'zod';
import { defineImageTransform } from '../definition.js';
import { blankImage, pyRound, type ImageBuffer } from '../image-buffer.js';
import { sizeHW, sizeSchema } from './sizes.js';

export const centerCropSchema = z.object({ kind: z.literal('center-crop'), size: sizeSchema }).strict();
export type CenterCropSpec = z.output<typeof centerCropSchema>;

/** The centre `ch` x `cw` crop of `image` (zero padding where the image is smaller). */
export function centerCropImage(image: ImageBuffer, ch: number, cw: number): ImageBuffer {
  const { height: h, width: w, channels: c } = image;
  // Where the crop's top-left lies in image coordinates; negative when padding.
  const top = h >= ch ? pyRound((h - ch) / 2) : -Math.floor((ch - h) / 2);
  const left = w >= cw ? pyRound((w - cw) / 2) : -Math.floor((cw - w) / 2);
  const out = blankImage(ch, cw, c);
  for (let y = 0; y < ch; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= h) continue;
    const x0 = Math.max(0, -left);
    const x1 = Math.min(cw, w - left);
    if (x1 <= x0) continue;
    out.data.set(image.data.subarray((sy * w + x0 + left) * c, (sy * w + x1 + left) * c), (y * cw + x0) * c);
  }
  return out;
}

export const centerCrop = defineImageTransform<CenterCropSpec>({
  kind: 'center-crop',
  description: 'torchvision CenterCrop(size): centred crop, zero padding when the image is smaller',
  schema: centerCropSchema as z.ZodType<CenterCropSpec>,
  outShape: (spec, [, , c]) => [...sizeHW(spec.size), c],
  paramCount: () => 0,
  plan: () => undefined,
  apply: (spec, image) => centerCropImage(image, ...sizeHW(spec.size)),
});
