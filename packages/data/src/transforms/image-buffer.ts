/**
 * One image as the per-image transforms see it: float32 HWC, values in 0-255 units (as decoded),
 * any size. Pure data; safe in worker threads.
 */
export interface ImageBuffer {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** A new zero image of the given size. */
export function blankImage(height: number, width: number, channels: number): ImageBuffer {
  return { data: new Float32Array(height * width * channels), height, width, channels };
}

/** Python's `round` (half to even), which torchvision's size arithmetic uses. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Scale of an int32 uniform parameter: `u = p / UNIFORM_SCALE` is in [0, 1). */
export const UNIFORM_SCALE = 2 ** 31;

/** A uniform in [0, 1) stored as int32 (see {@link UNIFORM_SCALE}). */
export function uniformParam(p: number): number {
  return p / UNIFORM_SCALE;
}
