/** zod schemas for config pieces shared by several packages. */
import { z } from 'zod';

export const seedSchema = z.union([z.number().int().nonnegative(), z.string().min(1)]).describe('RNG seed');

export const backendNameSchema = z.enum(['tensorflow-gpu', 'tensorflow', 'dkl-native', 'wasm', 'cpu']);

export const backendConfigSchema = z
  .object({
    /** Backends to try, in order; default: all, fastest first. */
    prefer: z.array(backendNameSchema).min(1).optional(),
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
