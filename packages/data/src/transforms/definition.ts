/**
 * A transform kind (`random-crop`, `normalize`, `random-resized-crop`, `color-jitter`, ...): its
 * zod schema (config and `--dry-run` validation), how it changes the image shape, how many random
 * int32 parameters it draws per image, and the pure pixel function that consumes them. Parameters
 * are drawn on the loader's thread before a varying image's size is known, so such draws are
 * size-independent (uniforms) and the pixel function (run in a worker) turns them into
 * size-dependent choices; a step whose input size is fixed may draw from it (`inShape`).
 */
import type { z } from 'zod';
import type { ImageBuffer } from './image-buffer.js';

/** `[H, W, C]`; 0 for H or W means "varies from image to image". */
export type DynamicShape = readonly [number, number, number];

/** The random draws a transform may make while planning (a SeededRng satisfies it). */
export interface ParamRng {
  int(n: number): number;
  bernoulli(p?: number): boolean;
  permutation(n: number): Int32Array;
}

/** A reused scratch buffer of at least `length` values (see ImageTransformDefinition.apply). */
export type SpareBuffer = (length: number) => Float32Array;

/**
 * What `outShape` throws when a step cannot work on its input: `key` is the spec key at fault
 * (`''`: the step itself); the pipeline compiler names it in full (`transforms[2].mean`).
 */
export class TransformStepError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransformStepError';
  }
}

/** A transform kind; `S` is its parsed spec (with `kind`). */
export interface ImageTransformDefinition<S extends { readonly kind: string } = { readonly kind: string }> {
  readonly kind: string;
  readonly description: string;
  /** Validates and fills defaults of a spec of this kind (errors name the key). */
  readonly schema: z.ZodType<S>;
  /** Output shape for an input shape (throw a TransformStepError naming the key when the input cannot work). */
  outShape(spec: S, inShape: DynamicShape): DynamicShape;
  /** int32 parameters drawn per image. */
  paramCount(spec: S): number;
  /**
   * Draws this image's parameters into `params[offset ...]`. The pipeline planner passes
   * `inShape`, the step's input shape (0 for a varying H or W).
   */
  plan(spec: S, rng: ParamRng, params: Int32Array, offset: number, inShape?: DynamicShape): void;
  /**
   * The pixels: may modify `image.data` in place and return `image`, or return a new image. The
   * pipeline runner passes `spare(length)`, a reused buffer of at least `length` values that is not
   * `image.data`, to write a new image into (its data is then longer than the image; the image is
   * its first values); a direct caller may omit it.
   */
  apply(spec: S, image: ImageBuffer, params: Int32Array, offset: number, spare?: SpareBuffer): ImageBuffer;
  /**
   * True when the output is in 0-1 units (`normalize`, `to-float`): a pipeline allows one such
   * step, and a pipeline without one scales its output by 1/255 at the end.
   */
  readonly scalesToUnit?: boolean;
  /**
   * Where loader worker threads find a contributed kind: an ES module URL (`import.meta.url` of
   * the defining module) and the name it exports this definition under. Built-in kinds need none.
   * Without it a contributed kind runs only on the loader's own thread (`workers: 0`).
   */
  readonly module?: { readonly url: string; readonly exportName: string };
  /**
   * True when `apply` only reads `image.data` and always returns a new image: as a pipeline's
   * first step it then reads the decoded bytes directly (a Uint8Array behind the Float32Array
   * type) instead of a float copy of the whole decoded image, most of which a crop never reads.
   */
  readonly readsBytes?: boolean;
}

/**
 * Multi-binding token: a transform kind contributed through a ContainerModule
 * (`bind(ImageTransformDefinition).toConstantValue(defineImageTransform({...}))`), usable in any
 * pipeline's `transforms` by its `kind`.
 */
export const ImageTransformDefinition = Symbol.for('@dkl/data/ImageTransformDefinition');

/** Helper keeping the spec type of a definition literal. */
export function defineImageTransform<S extends { readonly kind: string }>(definition: ImageTransformDefinition<S>): ImageTransformDefinition<S> {
  return definition;
}
