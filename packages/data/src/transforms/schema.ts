/**
 * The zod schema of one pipeline step, every kind included: run configs validate `transforms`
 * with it (so `--dry-run` and the JSON Schema cover them) before the loader compiles the pipeline.
 */
import { z } from 'zod';
import { autoAugmentSchema } from './ops/auto-augment.js';
import { centerCropSchema } from './ops/center-crop.js';
import { colorJitterSchema } from './ops/color-jitter.js';
import { randAugmentSchema } from './ops/rand-augment.js';
import { randomGrayscaleSchema } from './ops/random-grayscale.js';
import { randomResizedCropSchema } from './ops/random-resized-crop.js';
import { resizeSchema } from './ops/resize.js';
import { trivialAugmentSchema } from './ops/trivial-augment.js';

const positiveInt = z.number().int().positive();
const probability = z.number().min(0).max(1);

/** Schemas of the fixed-shape kinds handled by the pipeline compiler itself. */
export const builtinTransformSchemas = [
  z.object({ kind: z.literal('pad-resize'), to: z.tuple([positiveInt, positiveInt, positiveInt]), mode: z.enum(['pad', 'bilinear']).optional() }).strict(),
  z.object({ kind: z.literal('random-crop'), padding: z.number().int().min(0) }).strict(),
  z.object({ kind: z.literal('random-flip'), p: probability.optional() }).strict(),
  z.object({ kind: z.literal('cutout'), size: positiveInt, p: probability.optional() }).strict(),
  z.object({ kind: z.literal('normalize'), mean: z.array(z.number()).min(1), std: z.array(z.number().positive()).min(1) }).strict(),
  z.object({ kind: z.literal('to-float') }).strict(),
] as const;

/** One step of an augmentation pipeline, any built-in kind (discriminated by `kind`; registry.ts lists the per-image kinds too). */
export const transformSpecSchema = z
  .discriminatedUnion('kind', [
    ...builtinTransformSchemas,
    randomResizedCropSchema,
    resizeSchema,
    centerCropSchema,
    colorJitterSchema,
    randomGrayscaleSchema,
    randAugmentSchema,
    trivialAugmentSchema,
    autoAugmentSchema,
  ])
  .describe("a @dkl/data transform, e.g. { kind: 'random-resized-crop', size: 224 } or { kind: 'random-crop', padding: 4 }");

/** A transform step as written in a config (before defaults). */
export type TransformSpecInput = z.input<typeof transformSpecSchema>;
