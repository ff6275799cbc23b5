/** zod schemas for config pieces shared by several packages. */
import { z } from 'zod';

export const seedSchema = z.union([z.number().int().nonnegative(), z.string().min(1)]).describe('RNG seed');

export const backendNameSchema = z.enum(['tensorflow-gpu', 'tensorflow', 'dkl-native', 'wasm', 'cpu']);

/** Arithmetic precision of a backend with a reduced-precision mode (dkl-native's bf16); others run fp32. */
export const backendPrecisionSchema = z.enum(['fp32', 'bf16']);

export const backendConfigSchema = z
  .object({
    /** Backends to try, in order; default: all, fastest first. */
    prefer: z.array(backendNameSchema).min(1).optional(),
    /** Precision of convolutions and matmuls on dkl-native (default fp32; DKL_NATIVE_PRECISION overrides it). */
    precision: backendPrecisionSchema.optional(),
  })
  .strict();

/** A named component plus its options: `{ name: 'ikl', options: { temperature: 4 } }`. */
export const componentRefSchema = z
  .object({
    name: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const positiveNumber = z.number().positive();
export const nonNegativeNumber = z.number().nonnegative();
export const probability = z.number().min(0).max(1);

export type ComponentRef = z.output<typeof componentRefSchema>;
export type BackendConfig = z.output<typeof backendConfigSchema>;
