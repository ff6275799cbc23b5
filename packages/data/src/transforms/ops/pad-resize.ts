/**
 * `pad-resize`: centred zero pad (or centre crop) or bilinear resize to `to`, mapping channels
 * (1 -> 3 replicates grey, 3 -> 1 takes BT.601 luma), so Fashion-MNIST can feed CIFAR models.
 */
import { z } from 'zod';
import { defineImageTransform, TransformStepError } from '../definition.js';
import type { ImageShape } from '../spec.js';
import { positiveInt } from './sizes.js';

/** Zero-pad (centred) or bilinearly resize to `to`; 1 -> 3 channels replicates grey, 3 -> 1 takes luma. */
export interface PadResizeSpec {
  readonly kind: 'pad-resize';
  readonly to: ImageShape;
  /** `pad` (default): centre the image on a zero canvas (or centre-crop if larger); `bilinear`: resample. */
  readonly mode?: 'pad' | 'bilinear';
}

export const padResizeSchema = z.object({ kind: z.literal('pad-resize'), to: z.tuple([positiveInt, positiveInt, positiveInt]), mode: z.enum(['pad', 'bilinear']).optional() }).strict();

/** Luma weights (ITU-R BT.601) for 3 -> 1 channel conversion. */
const LUMA = [0.299, 0.587, 0.114] as const;

function channelMap(cIn: number, cOut: number, src: Float32Array, i: number, c: number): number {
  if (cIn === cOut) return src[i + c]!;
  if (cIn === 1) return src[i]!;
  return LUMA[0] * src[i]! + LUMA[1] * src[i + 1]! + LUMA[2] * src[i + 2]!;
}

/** Centred zero-pad (or centre-crop) to `outShape`, mapping channels. */
export function padKernel(src: Float32Array, inShape: ImageShape, dst: Float32Array, outShape: ImageShape): void {
  const [h, w, cIn] = inShape;
  const [oh, ow, cOut] = outShape;
  dst.fill(0, 0, oh * ow * cOut);
  const top = Math.floor((oh - h) / 2);
  const left = Math.floor((ow - w) / 2);
  for (let y = 0; y < oh; y++) {
    const sy = y - top;
    if (sy < 0 || sy >= h) continue;
    for (let x = 0; x < ow; x++) {
      const sx = x - left;
      if (sx < 0 || sx >= w) continue;
      const si = (sy * w + sx) * cIn;
      const di = (y * ow + x) * cOut;
      for (let c = 0; c < cOut; c++) dst[di + c] = channelMap(cIn, cOut, src, si, c);
    }
  }
}

/** Bilinear resample (half-pixel centres, edge clamp) to `outShape`, mapping channels. */
export function bilinearKernel(src: Float32Array, inShape: ImageShape, dst: Float32Array, outShape: ImageShape): void {
  const [h, w, cIn] = inShape;
  const [oh, ow, cOut] = outShape;
  const sh = h / oh;
  const sw = w / ow;
  const px = new Float32Array(cIn);
  for (let y = 0; y < oh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sh - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const ty = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sw - 0.5, 0), w - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const tx = fx - x0;
      for (let c = 0; c < cIn; c++) {
        const a = src[(y0 * w + x0) * cIn + c]!;
        const b = src[(y0 * w + x1) * cIn + c]!;
        const d = src[(y1 * w + x0) * cIn + c]!;
        const e = src[(y1 * w + x1) * cIn + c]!;
        px[c] = (a * (1 - tx) + b * tx) * (1 - ty) + (d * (1 - tx) + e * tx) * ty;
      }
      const di = (y * ow + x) * cOut;
      for (let c = 0; c < cOut; c++) dst[di + c] = channelMap(cIn, cOut, px, 0, c);
    }
  }
}

export const padResizeDefinition = defineImageTransform<PadResizeSpec>({
  kind: 'pad-resize',
  description: 'centred zero pad (or centre crop) or bilinear resize to to = [H, W, C]; 1 -> 3 channels replicates grey, 3 -> 1 takes luma',
  schema: padResizeSchema as z.ZodType<PadResizeSpec>,
  outShape: (spec, [, , cIn]) => {
    const cOut = spec.to[2];
    if (!(cIn === cOut || cIn === 1 || (cIn === 3 && cOut === 1))) throw new TransformStepError('to', `cannot map ${cIn} channels to ${cOut} (supported: same, 1 -> any, 3 -> 1)`);
    return spec.to;
  },
  paramCount: () => 0,
  plan: () => undefined,
  apply: (spec, image, _params, _offset, spare) => {
    const [oh, ow, oc] = spec.to;
    const dst = spare?.(oh * ow * oc) ?? new Float32Array(oh * ow * oc);
    const shape: ImageShape = [image.height, image.width, image.channels];
    if (spec.mode === 'bilinear') bilinearKernel(image.data, shape, dst, spec.to);
    else padKernel(image.data, shape, dst, spec.to);
    return { data: dst, height: oh, width: ow, channels: oc };
  },
});
