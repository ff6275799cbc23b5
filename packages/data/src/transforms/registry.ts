/**
 * The per-image transform kinds this package ships, by kind. The pipeline compiler, the planner
 * and the pixel runner (also in worker threads) look kinds up here.
 */
import type { ImageTransformDefinition } from './definition.js';
import { autoAugment } from './ops/auto-augment.js';
import { centerCrop } from './ops/center-crop.js';
import { colorJitter } from './ops/color-jitter.js';
import { randAugment } from './ops/rand-augment.js';
import { randomGrayscale } from './ops/random-grayscale.js';
import { randomResizedCrop } from './ops/random-resized-crop.js';
import { resize } from './ops/resize.js';
import { trivialAugment } from './ops/trivial-augment.js';

/** Every built-in per-image transform definition. */
export const imageTransformDefinitions: readonly ImageTransformDefinition<any>[] = [randomResizedCrop, resize, centerCrop, colorJitter, randomGrayscale, randAugment, trivialAugment, autoAugment];

const byKind = new Map(imageTransformDefinitions.map((d) => [d.kind, d]));

/** The definition of `kind`, if it is a per-image transform kind. */
export function imageTransformDefinition(kind: string): ImageTransformDefinition<any> | undefined {
  return byKind.get(kind);
}
