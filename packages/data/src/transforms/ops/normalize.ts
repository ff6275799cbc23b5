/** `normalize`: torchvision's `ToTensor()` + `Normalize(mean, std)` in one pass (a pipeline scales to 0-1 at most once). */
import { z } from 'zod';
import { defineImageTransform, TransformStepError } from '../definition.js';
import type { ImageShape } from '../spec.js';

/** Scale 0-255 to 0-1, then `(x - mean[c]) / std[c]` per channel (one value = all channels). */
export interface NormalizeSpec {
  readonly kind: 'normalize';
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export const normalizeSchema = z.object({ kind: z.literal('normalize'), mean: z.array(z.number()).min(1), std: z.array(z.number().positive()).min(1) }).strict();

/** `(x / 255 - mean[c]) / std[c]` in place. */
export function normalizeKernel(buf: Float32Array, shape: ImageShape, mean: readonly number[], std: readonly number[]): void {
  const c = shape[2];
  const n = shape[0] * shape[1] * c;
  for (let k = 0; k < c; k++) {
    const m = mean.length === 1 ? mean[0]! : mean[k]!;
    const s = std.length === 1 ? std[0]! : std[k]!;
    // x/255/s - m/s as one multiply-add; computed in float64 then stored as float32.
    const scale = 1 / (255 * s);
    const shift = -m / s;
    for (let i = k; i < n; i += c) buf[i] = buf[i]! * scale + shift;
  }
}

export const normalizeDefinition = defineImageTransform<NormalizeSpec>({
  kind: 'normalize',
  description: 'scale 0-255 to 0-1, then (x - mean[c]) / std[c] per channel (one value: every channel)',
  schema: normalizeSchema as z.ZodType<NormalizeSpec>,
  scalesToUnit: true,
  outShape: (spec, shape) => {
    const c = shape[2];
    for (const key of ['mean', 'std'] as const) {
      if (spec[key].length !== 1 && spec[key].length !== c) throw new TransformStepError(key, `must be 1 or ${c} finite numbers, got ${JSON.stringify(spec[key])}`);
    }
    return shape;
  },
  paramCount: () => 0,
  plan: () => undefined,
  apply: (spec, image) => {
    normalizeKernel(image.data, [image.height, image.width, image.channels], spec.mean, spec.std);
    return image;
  },
});
