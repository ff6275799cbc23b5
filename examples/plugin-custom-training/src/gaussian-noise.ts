/**
 * `gaussian-noise`: adds N(0, std^2) noise (0-255 units) to every pixel, clipped to [0, 255], with
 * probability `p`. The loader draws one seed per image (so results do not depend on which worker
 * runs it); the pixels are made from that seed with mulberry32 + Box-Muller.
 * This module imports no tfjs and no @dkl runtime code: loader worker threads import it.
 */
import type { ImageTransformDefinition } from '@dkl/data';
import { z } from 'zod';

export const gaussianNoiseSchema = z
  .object({ kind: z.literal('gaussian-noise'), std: z.number().min(0).default(8), p: z.number().min(0).max(1).default(1) })
  .strict();
export type GaussianNoiseSpec = z.output<typeof gaussianNoiseSchema>;

/** A 32-bit seeded generator of uniforms in [0, 1) (mulberry32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Adds std * N(0, 1) from `seed` to every value of `data`, clipped to [0, 255]. */
export function addGaussianNoise(data: Float32Array, std: number, seed: number): void {
  const uniform = mulberry32(seed);
  for (let i = 0; i < data.length; i += 2) {
    // Box-Muller: two independent normals from two uniforms (1 - u keeps the log finite).
    const r = Math.sqrt(-2 * Math.log(1 - uniform()));
    const theta = 2 * Math.PI * uniform();
    data[i] = Math.min(255, Math.max(0, data[i]! + std * r * Math.cos(theta)));
    if (i + 1 < data.length) data[i + 1] = Math.min(255, Math.max(0, data[i + 1]! + std * r * Math.sin(theta)));
  }
}

export const gaussianNoise: ImageTransformDefinition<GaussianNoiseSpec> = {
  kind: 'gaussian-noise',
  description: 'additive Gaussian pixel noise N(0, std^2) in 0-255 units, clipped, with probability p',
  schema: gaussianNoiseSchema as z.ZodType<GaussianNoiseSpec>,
  outShape: (_spec, shape) => shape,
  paramCount: () => 1,
  plan: (spec, rng, params, offset) => {
    const apply = rng.bernoulli(spec.p);
    const seed = 1 + rng.int(2 ** 31 - 1); // drawn even when skipped, so p does not shift later draws
    params[offset] = apply ? seed : 0;
  },
  apply: (spec, image, params, offset) => {
    const seed = params[offset]!;
    if (seed !== 0 && spec.std > 0) addGaussianNoise(image.data, spec.std, seed);
    return image;
  },
  // Worker threads import this module and take this export.
  module: { url: import.meta.url, exportName: 'gaussianNoise' },
};
