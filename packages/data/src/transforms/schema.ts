/**
 * The zod schema of one pipeline step, every kind included: run configs validate `transforms`
 * with it (so `--dry-run` and the JSON Schema cover them) before the loader compiles the pipeline.
 */
import { z } from 'zod';
import { autoAugmentSchema } from './ops/auto-augment.js';
import { centerCropSchema } from './ops/center-crop.js';
import { colorJitterSchema } from './ops/color-jitter.js';
import { cutoutSchema } from './ops/cutout.js';
import { normalizeSchema } from './ops/normalize.js';
import { padResizeSchema } from './ops/pad-resize.js';
import { randAugmentSchema } from './ops/rand-augment.js';
import { randomCropSchema } from './ops/random-crop.js';
import { randomFlipSchema } from './ops/random-flip.js';
import { randomGrayscaleSchema } from './ops/random-grayscale.js';
import { randomResizedCropSchema } from './ops/random-resized-crop.js';
import { resizeSchema } from './ops/resize.js';
import { toFloatSchema } from './ops/to-float.js';
import { trivialAugmentSchema } from './ops/trivial-augment.js';

/** Schemas of the fixed-shape kinds (pad-resize, random-crop, random-flip, cutout, normalize, to-float). */
export const builtinTransformSchemas = [padResizeSchema, randomCropSchema, randomFlipSchema, cutoutSchema, normalizeSchema, toFloatSchema] as const;

/** One step of an augmentation pipeline, any built-in kind (discriminated by `kind`; registry.ts lists the definitions). */
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
