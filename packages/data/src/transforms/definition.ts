/**
 * A per-image transform kind (`random-resized-crop`, `color-jitter`, ...): its zod schema (config
 * and `--dry-run` validation), how it changes the image shape, how many random int32 parameters
 * it draws per image, and the pure pixel function that consumes them. Parameters are drawn on the
 * loader's thread before the image size is known, so every draw is size-independent (uniforms),
 * and the pixel function (run in a worker) turns them into size-dependent choices.
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

/** A transform kind; `S` is its parsed spec (with `kind`). */
export interface ImageTransformDefinition<S extends { readonly kind: string } = { readonly kind: string }> {
  readonly kind: string;
  readonly description: string;
  /** Validates and fills defaults of a spec of this kind (errors name the key). */
  readonly schema: z.ZodType<S>;
  /** Output shape for an input shape (throw an Error naming the key when the input cannot work). */
  outShape(spec: S, inShape: DynamicShape): DynamicShape;
  /** int32 parameters drawn per image. */
  paramCount(spec: S): number;
  /** Draws this image's parameters into `params[offset ...]`. */
  plan(spec: S, rng: ParamRng, params: Int32Array, offset: number): void;
  /** The pixels: may modify `image.data` in place or return a new image. */
  apply(spec: S, image: ImageBuffer, params: Int32Array, offset: number): ImageBuffer;
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
 * Multi-binding token: a per-image transform kind contributed through a ContainerModule
 * (`bind(ImageTransformDefinition).toConstantValue(defineImageTransform({...}))`), usable in any
 * pipeline's `transforms` by its `kind`.
 */
export const ImageTransformDefinition = Symbol.for('@dkl/data/ImageTransformDefinition');

/** Helper keeping the spec type of a definition literal. */
export function defineImageTransform<S extends { readonly kind: string }>(definition: ImageTransformDefinition<S>): ImageTransformDefinition<S> {
  return definition;
}
