/**
 * Where the compiler, the planner and the pixel runner find a step's definition: the kinds this package ships,
 * and the contributed kinds (ContainerModule bindings of ImageTransformDefinition) a pipeline was
 * compiled with, kept beside that pipeline on the compiling thread and imported from their
 * `module` in worker threads. Nothing here registers a kind: the container does.
 */
import type { ImageTransformDefinition } from './definition.js';
import type { CompiledPipeline } from './spec.js';
import { autoAugment } from './ops/auto-augment.js';
import { centerCrop } from './ops/center-crop.js';
import { colorJitter } from './ops/color-jitter.js';
import { cutoutDefinition } from './ops/cutout.js';
import { normalizeDefinition } from './ops/normalize.js';
import { padResizeDefinition } from './ops/pad-resize.js';
import { randAugment } from './ops/rand-augment.js';
import { randomCropDefinition } from './ops/random-crop.js';
import { randomFlipDefinition } from './ops/random-flip.js';
import { randomGrayscale } from './ops/random-grayscale.js';
import { randomResizedCrop } from './ops/random-resized-crop.js';
import { resize } from './ops/resize.js';
import { toFloatDefinition } from './ops/to-float.js';
import { trivialAugment } from './ops/trivial-augment.js';

/** The built-in kinds that keep the image size fixed or scale values (CIFAR-style pipelines). */
export const fixedShapeTransformDefinitions: readonly ImageTransformDefinition<any>[] = [
  padResizeDefinition,
  randomCropDefinition,
  randomFlipDefinition,
  cutoutDefinition,
  normalizeDefinition,
  toFloatDefinition,
];

/** The built-in per-image kinds of varying-size pipelines (torchvision's ImageNet-style transforms). */
export const imageTransformDefinitions: readonly ImageTransformDefinition<any>[] = [randomResizedCrop, resize, centerCrop, colorJitter, randomGrayscale, randAugment, trivialAugment, autoAugment];

/** Every transform kind this package ships (what `dataModule` binds). */
export const builtinTransformDefinitions: readonly ImageTransformDefinition<any>[] = [...fixedShapeTransformDefinitions, ...imageTransformDefinitions];

const builtin = new Map(builtinTransformDefinitions.map((d) => [d.kind, d]));

/** The definition of `kind`, if this package ships it. */
export function imageTransformDefinition(kind: string): ImageTransformDefinition<any> | undefined {
  return builtin.get(kind);
}

/** True for the kinds this package ships (workers know them without importing anything). */
export function isBuiltinTransform(kind: string): boolean {
  return builtin.has(kind);
}

/** Contributed kinds a pipeline was compiled with, on the thread that compiled it. */
const attached = new WeakMap<CompiledPipeline, ReadonlyMap<string, ImageTransformDefinition<any>>>();
/** Contributed kinds a worker imported, by `url#exportName`. */
const imported = new Map<string, ImageTransformDefinition<any>>();
const sourceKey = (source: { readonly url?: string; readonly exportName?: string }) => `${source.url}#${source.exportName}`;

/** Records the contributed definitions `pipeline` was compiled with (see compilePipeline). */
export function attachImageTransforms(pipeline: CompiledPipeline, definitions: ReadonlyMap<string, ImageTransformDefinition<any>>): void {
  if (definitions.size > 0) attached.set(pipeline, definitions);
}

/** The definition a step of `pipeline` runs: built-in, attached when compiled here, or imported by a worker. */
export function transformDefinitionFor(pipeline: CompiledPipeline, kind: string): ImageTransformDefinition<any> | undefined {
  const known = builtin.get(kind) ?? attached.get(pipeline)?.get(kind);
  if (known) return known;
  const source = pipeline.imports.find((i) => i.kind === kind);
  return source ? imported.get(sourceKey(source)) : undefined;
}

/** Imports, in a worker thread, the contributed kinds a pipeline uses (see ImageTransformDefinition.module). */
export async function importImageTransforms(pipeline: CompiledPipeline): Promise<void> {
  for (const source of pipeline.imports) {
    const key = sourceKey(source);
    if (imported.has(key)) continue;
    if (source.url === undefined || source.exportName === undefined) throw new Error(`transform '${source.kind}' has no module for worker threads`);
    const mod = (await import(source.url)) as Record<string, ImageTransformDefinition<any> | undefined>;
    const definition = mod[source.exportName];
    if (!definition || typeof definition.apply !== 'function') throw new Error(`${source.url} does not export a transform definition '${source.exportName}'`);
    imported.set(key, definition);
  }
}
