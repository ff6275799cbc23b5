/**
 * `random-resized-crop` = torchvision's `RandomResizedCrop(size, scale=(0.08, 1), ratio=(3/4, 4/3))`:
 * up to 10 tries of a box with area fraction ~ U(scale) and log aspect ratio ~ U(log ratio) that
 * fits in the image, placed uniformly; else the central crop clamped to the ratio range; then an
 * antialiased bilinear resize to `size`.
 */
import { z } from 'zod';
import { defineImageTransform } from '../definition.js';
import { pyRound, uniformParam, UNIFORM_SCALE, type ImageBuffer } from '../image-buffer.js';
import { resizeBox } from '../resample.js';
import { rangeSchema, sizeHW, sizeSchema } from './sizes.js';

const ATTEMPTS = 10;

export const randomResizedCropSchema = z
  .object({
    kind: z.literal('random-resized-crop'),
    size: sizeSchema,
    scale: rangeSchema(0).default([0.08, 1]),
    ratio: rangeSchema(Number.MIN_VALUE).default([3 / 4, 4 / 3]),
  })
  .strict();
export type RandomResizedCropSpec = z.output<typeof randomResizedCropSchema>;

/** The crop box `[top, left, height, width]` torchvision's `get_params` picks for uniforms `u` (4 per attempt). */
export function randomResizedCropBox(height: number, width: number, scale: readonly [number, number], ratio: readonly [number, number], u: (i: number) => number): [number, number, number, number] {
  const area = height * width;
  const logLo = Math.log(ratio[0]);
  const logHi = Math.log(ratio[1]);
  for (let a = 0; a < ATTEMPTS; a++) {
    const targetArea = area * (scale[0] + (scale[1] - scale[0]) * u(4 * a));
    const aspect = Math.exp(logLo + (logHi - logLo) * u(4 * a + 1));
    const w = pyRound(Math.sqrt(targetArea * aspect));
    const h = pyRound(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = Math.floor(u(4 * a + 2) * (height - h + 1));
      const left = Math.floor(u(4 * a + 3) * (width - w + 1));
      return [top, left, h, w];
    }
  }
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < ratio[0]) h = pyRound(w / ratio[0]);
  else if (inRatio > ratio[1]) w = pyRound(h * ratio[1]);
  return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
}

export const randomResizedCrop = defineImageTransform<RandomResizedCropSpec>({
  kind: 'random-resized-crop',
  description: 'torchvision RandomResizedCrop(size, scale, ratio): random area/aspect box, antialiased bilinear resize to size',
  schema: randomResizedCropSchema as z.ZodType<RandomResizedCropSpec>,
  outShape: (spec, [, , c]) => [...sizeHW(spec.size), c],
  paramCount: () => 4 * ATTEMPTS,
  plan: (_spec, rng, params, offset) => {
    for (let i = 0; i < 4 * ATTEMPTS; i++) params[offset + i] = rng.int(UNIFORM_SCALE);
  },
  readsBytes: true,
  apply: (spec, image: ImageBuffer, params, offset) => {
    const [top, left, h, w] = randomResizedCropBox(image.height, image.width, spec.scale, spec.ratio, (i) => uniformParam(params[offset + i]!));
    const [oh, ow] = sizeHW(spec.size);
    return resizeBox(image, top, left, h, w, oh, ow);
  },
});
