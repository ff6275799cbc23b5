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
import type { ImageTransformDefinition } from './definition.js';
import { attachImageTransforms, imageTransformDefinition, imageTransformDefinitions, isBuiltinImageTransform } from './registry.js';

/** `[H, W, C]` of one image; H = W = 0 when images vary in size (streaming image folders). */
export type ImageShape = readonly [number, number, number];

/** Zero-pad (centred) or bilinearly resize to `to`; 1 -> 3 channels replicates grey, 3 -> 1 takes luma. */
export interface PadResizeSpec {
  readonly kind: 'pad-resize';
  readonly to: ImageShape;
  /** `pad` (default): centre the image on a zero canvas (or centre-crop if larger); `bilinear`: resample. */
  readonly mode?: 'pad' | 'bilinear';
}
/** Random crop of the original size from the image zero-padded by `padding` on every side. */
export interface RandomCropSpec {
  readonly kind: 'random-crop';
  readonly padding: number;
}
/** Mirror left-right with probability `p` (default 0.5). */
export interface RandomFlipSpec {
  readonly kind: 'random-flip';
  readonly p?: number;
}
/** Cutout (DeVries & Taylor 2017): zero a `size` x `size` square (clipped at the border) at a uniform centre, with probability `p` (default 1). */
export interface CutoutSpec {
  readonly kind: 'cutout';
  readonly size: number;
  readonly p?: number;
}
/** Scale 0-255 to 0-1, then `(x - mean[c]) / std[c]` per channel (one value = all channels). */
export interface NormalizeSpec {
  readonly kind: 'normalize';
  readonly mean: readonly number[];
  readonly std: readonly number[];
}
/** Scale 0-255 to 0-1 without normalising. */
export interface ToFloatSpec {
  readonly kind: 'to-float';
}

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
  /** True when a `normalize` / `to-float` step already scales to 0-1; otherwise the output is scaled by 1/255 at the end. */
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

function checkProbability(argument: string, p: number | undefined): void {
  if (p !== undefined && !(p >= 0 && p <= 1)) throw new ArgumentError(argument, `must be a probability in [0, 1], got ${p}`);
}

/**
 * Validates `specs` for images of `inShape` and computes every step's shapes and parameter slots.
 * `contributed`: transform kinds packages add (ContainerModule bindings of ImageTransformDefinition).
 * Errors name the step (`transforms[2].padding`) and what was allowed.
 */
export function compilePipeline(inShape: readonly number[], specs: readonly TransformSpec[], contributed: readonly ImageTransformDefinition<any>[] = []): CompiledPipeline {
  const contributions = new Map(contributed.filter((d) => !isBuiltinImageTransform(d.kind)).map((d) => [d.kind, d]));
  const used = new Map<string, ImageTransformDefinition<any>>();
  const imports = new Map<string, { kind: string; url?: string; exportName?: string }>();
  let shape = checkShape('inShape', inShape, true);
  let offset = 0;
  let scaled = false;
  const steps: CompiledStep[] = [];
  specs.forEach((written, i) => {
    let spec = written;
    const at = `transforms[${i}]`;
    let out = shape;
    let paramCount = 0;
    switch (spec?.kind) {
      case 'pad-resize': {
        out = checkShape(`${at}.to`, spec.to);
        const [, , cIn] = shape;
        const cOut = out[2];
        if (!(cIn === cOut || cIn === 1 || (cIn === 3 && cOut === 1))) {
          throw new ArgumentError(`${at}.to`, `cannot map ${cIn} channels to ${cOut} (supported: same, 1 -> any, 3 -> 1)`);
        }
        if (spec.mode !== undefined && spec.mode !== 'pad' && spec.mode !== 'bilinear') {
          throw new ArgumentError(`${at}.mode`, `must be 'pad' or 'bilinear', got '${String(spec.mode)}'`);
        }
        break;
      }
      case 'random-crop':
        if (!Number.isInteger(spec.padding) || spec.padding < 0) {
          throw new ArgumentError(`${at}.padding`, `must be a non-negative integer, got ${spec.padding}`);
        }
        paramCount = 2;
        break;
      case 'random-flip':
        checkProbability(`${at}.p`, spec.p);
        paramCount = 1;
        break;
      case 'cutout':
        if (isVaryingShape(shape)) throw new ArgumentError(at, 'cutout needs a fixed image size here; put it after a step that fixes the size (random-resized-crop, center-crop, resize with [h, w], pad-resize)');
        if (!Number.isInteger(spec.size) || spec.size <= 0) {
          throw new ArgumentError(`${at}.size`, `must be a positive integer, got ${spec.size}`);
        }
        checkProbability(`${at}.p`, spec.p);
        paramCount = 2;
        break;
      case 'normalize': {
        if (scaled) throw new ArgumentError(at, 'the pipeline already scales to 0-1 (only one normalize/to-float step is allowed)');
        const c = shape[2];
        for (const key of ['mean', 'std'] as const) {
          const v = spec[key];
          if (!Array.isArray(v) || (v.length !== 1 && v.length !== c) || v.some((x) => !Number.isFinite(x))) {
            throw new ArgumentError(`${at}.${key}`, `must be 1 or ${c} finite numbers, got ${JSON.stringify(v)}`);
          }
        }
        if (spec.std.some((s) => s <= 0)) throw new ArgumentError(`${at}.std`, `must be positive, got ${JSON.stringify(spec.std)}`);
        scaled = true;
        break;
      }
      case 'to-float':
        if (scaled) throw new ArgumentError(at, 'the pipeline already scales to 0-1 (only one normalize/to-float step is allowed)');
        scaled = true;
        break;
      default: {
        const kind = String((spec as { kind?: unknown })?.kind);
        const definition = imageTransformDefinition(kind) ?? contributions.get(kind);
        if (!definition) {
          const known = ['pad-resize', 'random-crop', 'random-flip', 'cutout', 'normalize', 'to-float', ...imageTransformDefinitions.map((d) => d.kind), ...contributed.map((d) => d.kind)];
          throw new ArgumentError(`${at}.kind`, `unknown transform '${String((spec as { kind?: unknown })?.kind)}' (known: ${known.join(', ')})`);
        }
        const parsed = definition.schema.safeParse(spec);
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new ArgumentError([at, ...issue.path.map(String)].join('.'), issue.message);
        }
        spec = parsed.data as TransformSpec;
        if (contributions.has(kind)) {
          used.set(kind, definition);
          imports.set(kind, { kind, ...definition.module });
        }
        out = definition.outShape(parsed.data, shape);
        paramCount = definition.paramCount(parsed.data);
      }
    }
    steps.push({ spec, inShape: shape, outShape: out, paramOffset: offset, paramCount });
    offset += paramCount;
    shape = out;
  });
  const pipeline: CompiledPipeline = { inShape: checkShape('inShape', inShape, true), outShape: shape, steps, paramsPerSample: offset, scaled, imports: [...imports.values()] };
  attachImageTransforms(pipeline, used);
  return pipeline;
}
