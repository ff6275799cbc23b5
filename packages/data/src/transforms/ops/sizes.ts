/** Shared schema pieces of the per-image transforms. */
import { z } from 'zod';

/** `size`: one number (square) or `[height, width]`, as torchvision accepts. */
export const sizeSchema = z.union([z.number().int().positive(), z.tuple([z.number().int().positive(), z.number().int().positive()])]);

/** `[height, width]` of a size value. */
export function sizeHW(size: number | readonly [number, number]): [number, number] {
  return typeof size === 'number' ? [size, size] : [size[0], size[1]];
}

/** An increasing `[min, max]` pair. */
export const rangeSchema = (min: number) =>
  z
    .tuple([z.number().min(min), z.number().min(min)])
    .refine(([a, b]) => a <= b, { message: 'must be [min, max] with min <= max' });

/** A positive integer (sizes, padding counts). */
export const positiveInt = z.number().int().positive();

/** A probability in [0, 1]. */
export const probability = z.number().min(0).max(1);
