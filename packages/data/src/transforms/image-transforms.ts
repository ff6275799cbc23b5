/**
 * Single-image transforms for direct use (the Loader runs the same kernels in batches). Each
 * takes an HWC image and its shape and returns a new float32 image; random ones take a SeededRng.
 * Values stay in the input's units (0-255) until `normalizeImage` / `toFloatImage`.
 */
import { ArgumentError, ShapeError, type SeededRng } from '@dkl/core';
import { bilinearKernel, cropKernel, cutoutKernel, flipKernel, normalizeKernel, padKernel, scaleKernel } from './kernels.js';
import { compilePipeline, type ImageShape } from './spec.js';

/** An image as returned by these transforms. */
export interface FloatImage {
  readonly data: Float32Array;
  readonly shape: ImageShape;
}

function toFloat32(image: Uint8Array | Float32Array, shape: ImageShape): Float32Array {
  const n = shape[0] * shape[1] * shape[2];
  if (image.length !== n) throw new ShapeError('image', `${n} values for shape [${shape.join(', ')}]`, `${image.length} values`);
  return Float32Array.from(image);
}

/** Scales 0-255 to 0-1. */
export function toFloatImage(image: Uint8Array | Float32Array, shape: ImageShape): FloatImage {
  const data = toFloat32(image, shape);
  scaleKernel(data, data.length, 1 / 255);
  return { data, shape };
}

/** `(x / 255 - mean[c]) / std[c]` per channel. */
export function normalizeImage(image: Uint8Array | Float32Array, shape: ImageShape, mean: readonly number[], std: readonly number[]): FloatImage {
  compilePipeline(shape, [{ kind: 'normalize', mean, std }]);
  const data = toFloat32(image, shape);
  normalizeKernel(data, shape, mean, std);
  return { data, shape };
}

/** Random crop of the same size from the image zero-padded by `padding` (4 for CIFAR). */
export function randomCrop(image: Uint8Array | Float32Array, shape: ImageShape, padding: number, rng: SeededRng): FloatImage {
  compilePipeline(shape, [{ kind: 'random-crop', padding }]);
  const src = toFloat32(image, shape);
  const dst = new Float32Array(src.length);
  const dy = rng.int(2 * padding + 1);
  const dx = rng.int(2 * padding + 1);
  cropKernel(src, shape, dst, padding, dy, dx);
  return { data: dst, shape };
}

/** Mirrors left-right with probability `p`. */
export function randomHorizontalFlip(image: Uint8Array | Float32Array, shape: ImageShape, rng: SeededRng, p = 0.5): FloatImage {
  compilePipeline(shape, [{ kind: 'random-flip', p }]);
  const data = toFloat32(image, shape);
  if (rng.bernoulli(p)) flipKernel(data, shape);
  return { data, shape };
}

/** Cutout: zeros a `size` x `size` square (clipped at the border) at a uniformly drawn centre. */
export function cutout(image: Uint8Array | Float32Array, shape: ImageShape, size: number, rng: SeededRng): FloatImage {
  compilePipeline(shape, [{ kind: 'cutout', size }]);
  const data = toFloat32(image, shape);
  cutoutKernel(data, shape, size, rng.int(shape[0]), rng.int(shape[1]));
  return { data, shape };
}

/**
 * Pads (centred, zeros) or bilinearly resizes to `to`, replicating grey to 3 channels when asked:
 * `padResize(img, [28, 28, 1], [32, 32, 3])` lets Fashion-MNIST feed CIFAR models.
 */
export function padResize(image: Uint8Array | Float32Array, shape: ImageShape, to: ImageShape, mode: 'pad' | 'bilinear' = 'pad'): FloatImage {
  if (mode !== 'pad' && mode !== 'bilinear') throw new ArgumentError('mode', `must be 'pad' or 'bilinear', got '${String(mode)}'`);
  compilePipeline(shape, [{ kind: 'pad-resize', to, mode }]);
  const src = toFloat32(image, shape);
  const dst = new Float32Array(to[0] * to[1] * to[2]);
  if (mode === 'bilinear') bilinearKernel(src, shape, dst, to);
  else padKernel(src, shape, dst, to);
  return { data: dst, shape: to };
}
