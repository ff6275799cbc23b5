/**
 * Serialisable augmentation pipeline specs. A pipeline is plain JSON so it can be sent to worker
 * threads, written into configs and compared; `compilePipeline` validates it once up front.
 */
import { ArgumentError } from '@dkl/core';
import type { CenterCropSpec } from './ops/center-crop.js';
import type { ColorJitterSpec } from './ops/color-jitter.js';
import type { RandAugmentSpec } from './ops/rand-augment.js';
import type { RandomGrayscaleSpec } from './ops/random-grayscale.js';
import type { RandomResizedCropSpec } from './ops/random-resized-crop.js';
import type { ResizeSpec } from './ops/resize.js';
import type { TrivialAugmentSpec } from './ops/trivial-augment.js';
import type { AutoAugmentSpec } from './ops/auto-augment.js';
import type { CutoutSpec } from './ops/cutout.js';
import type { NormalizeSpec } from './ops/normalize.js';
import type { PadResizeSpec } from './ops/pad-resize.js';
import type { RandomCropSpec } from './ops/random-crop.js';
import type { RandomFlipSpec } from './ops/random-flip.js';
import type { ToFloatSpec } from './ops/to-float.js';
import { TransformStepError, type DynamicShape, type ImageTransformDefinition } from './definition.js';
import { attachImageTransforms, builtinTransformDefinitions, imageTransformDefinition, isBuiltinTransform } from './registry.js';

/** `[H, W, C]` of one image; H = W = 0 when images vary in size (streaming image folders). */
export type ImageShape = readonly [number, number, number];

export type { PadResizeSpec } from './ops/pad-resize.js';
export type { RandomCropSpec } from './ops/random-crop.js';
export type { RandomFlipSpec } from './ops/random-flip.js';
export type { CutoutSpec } from './ops/cutout.js';
export type { NormalizeSpec } from './ops/normalize.js';
export type { ToFloatSpec } from './ops/to-float.js';

/** A step of a per-image transform kind (registry.ts), as written (defaults filled by its schema). */
export type ImageTransformSpec =
  | (Partial<RandomResizedCropSpec> & Pick<RandomResizedCropSpec, 'kind' | 'size'>)
  | ResizeSpec
  | CenterCropSpec
  | Partial<ColorJitterSpec> & Pick<ColorJitterSpec, 'kind'>
  | Partial<RandomGrayscaleSpec> & Pick<RandomGrayscaleSpec, 'kind'>
  | Partial<RandAugmentSpec> & Pick<RandAugmentSpec, 'kind'>
  | Partial<TrivialAugmentSpec> & Pick<TrivialAugmentSpec, 'kind'>
  | Partial<AutoAugmentSpec> & Pick<AutoAugmentSpec, 'kind'>;

/** One step of an augmentation pipeline. */
export type TransformSpec = PadResizeSpec | RandomCropSpec | RandomFlipSpec | CutoutSpec | NormalizeSpec | ToFloatSpec | ImageTransformSpec;

/** A validated step with its input/output shapes and where its random parameters live. */
export interface CompiledStep {
  readonly spec: TransformSpec;
  readonly inShape: ImageShape;
  readonly outShape: ImageShape;
  /** Offset of this step's parameters inside one sample's parameter block. */
  readonly paramOffset: number;
  /** How many int32 parameters this step draws per sample (0 = deterministic). */
  readonly paramCount: number;
}

/** A validated pipeline; plain data, safe to post to a worker. */
export interface CompiledPipeline {
  readonly inShape: ImageShape;
  readonly outShape: ImageShape;
  readonly steps: readonly CompiledStep[];
  /** int32 parameters per sample (sum of the steps' `paramCount`). */
  readonly paramsPerSample: number;
  /** True when a step that scales to 0-1 (`normalize`, `to-float`: `scalesToUnit`) is in the pipeline; otherwise the output is scaled by 1/255 at the end. */
  readonly scaled: boolean;
  /** Modules of the contributed kinds the steps use, for worker threads to import (`undefined` url: main thread only). */
  readonly imports: ReadonlyArray<{ readonly kind: string; readonly url?: string; readonly exportName?: string }>;
}

const size = (s: ImageShape): number => s[0] * s[1] * s[2];
export { size as imageSize };

function checkShape(argument: string, shape: readonly number[], varying = false): ImageShape {
  const ok = (d: number, i: number): boolean => Number.isInteger(d) && (d > 0 || (varying && i < 2 && d === 0));
  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every(ok) || (varying && (shape[0] === 0) !== (shape[1] === 0))) {
    throw new ArgumentError(argument, `must be [H, W, C] with positive integers${varying ? ' (H = W = 0: sizes vary)' : ''}, got [${String(shape)}]`);
  }
  return [shape[0]!, shape[1]!, shape[2]!];
}

/** True when images of `shape` vary in size. */
export function isVaryingShape(shape: ImageShape): boolean {
  return shape[0] === 0;
}

/** The step's output shape; a TransformStepError becomes an ArgumentError naming the key under `at`. */
function stepOutShape(definition: ImageTransformDefinition<any>, spec: TransformSpec, shape: ImageShape, at: string): ImageShape {
  let out: DynamicShape;
  try {
    out = definition.outShape(spec, shape);
  } catch (error) {
    if (error instanceof TransformStepError) throw new ArgumentError(error.key ? `${at}.${error.key}` : at, error.message);
    throw error;
  }
  return [out[0], out[1], out[2]];
}

/**
 * Validates `specs` for images of `inShape` and computes every step's shapes and parameter slots.
 * `contributed`: transform kinds packages add (ContainerModule bindings of ImageTransformDefinition).
 * Errors name the step (`transforms[2].padding`) and what was allowed.
 */
export function compilePipeline(inShape: readonly number[], specs: readonly TransformSpec[], contributed: readonly ImageTransformDefinition<any>[] = []): CompiledPipeline {
  const contributions = new Map(contributed.filter((d) => !isBuiltinTransform(d.kind)).map((d) => [d.kind, d]));
  const used = new Map<string, ImageTransformDefinition<any>>();
  const imports = new Map<string, { kind: string; url?: string; exportName?: string }>();
  let shape = checkShape('inShape', inShape, true);
  let offset = 0;
  let scaled = false;
  const steps: CompiledStep[] = [];
  specs.forEach((written, i) => {
    const at = `transforms[${i}]`;
    const kind = String((written as { kind?: unknown } | undefined)?.kind);
    const definition = imageTransformDefinition(kind) ?? contributions.get(kind);
    if (!definition) {
      const known = [...builtinTransformDefinitions.map((d) => d.kind), ...contributed.map((d) => d.kind)];
      throw new ArgumentError(`${at}.kind`, `unknown transform '${kind}' (known: ${known.join(', ')})`);
    }
    const parsed = definition.schema.safeParse(written);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ArgumentError([at, ...issue.path.map(String)].join('.'), issue.message);
    }
    const spec = parsed.data as TransformSpec;
    if (definition.scalesToUnit) {
      if (scaled) throw new ArgumentError(at, `the pipeline already scales to 0-1 (only one step that does, such as normalize or to-float, is allowed)`);
      scaled = true;
    }
    if (contributions.has(kind)) {
      used.set(kind, definition);
      imports.set(kind, { kind, ...definition.module });
    }
    const out = stepOutShape(definition, spec, shape, at);
    const paramCount = definition.paramCount(spec);
    steps.push({ spec, inShape: shape, outShape: out, paramOffset: offset, paramCount });
    offset += paramCount;
    shape = out;
  });
  const pipeline: CompiledPipeline = { inShape: checkShape('inShape', inShape, true), outShape: shape, steps, paramsPerSample: offset, scaled, imports: [...imports.values()] };
  attachImageTransforms(pipeline, used);
  return pipeline;
}
