/**
 * Bilinear resampling with antialiasing, as PIL's `resize(BILINEAR)` and torchvision's
 * `resize(..., antialias=True)`: a triangle filter whose support widens by the downscale
 * factor, applied separably, weights normalised inside the source box. Upscaling is plain
 * bilinear with half-pixel centres. The source box (crop) bounds the pixels used.
 */
import type { ImageBuffer } from './image-buffer.js';

interface Taps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly weights: Float64Array;
  readonly stride: number;
}

/** Filter taps mapping `[boxStart, boxStart + boxSize)` of the source axis onto `outSize` pixels. */
function taps(boxStart: number, boxSize: number, outSize: number): Taps {
  const scale = boxSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle's support is 1, widened when downscaling
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = boxStart + (i + 0.5) * scale;
    const lo = Math.max(boxStart, Math.trunc(center - support + 0.5));
    const hi = Math.min(boxStart + boxSize, Math.trunc(center + support + 0.5));
    let sum = 0;
    for (let j = lo; j < hi; j++) {
      const w = Math.max(0, 1 - Math.abs((j + 0.5 - center) / filterScale));
      weights[i * stride + (j - lo)] = w;
      sum += w;
    }
    for (let j = lo; j < hi; j++) weights[i * stride + (j - lo)] /= sum || 1;
    start[i] = lo;
    count[i] = hi - lo;
  }
  return { start, count, weights, stride };
}

/**
 * Resizes the box (`top`, `left`, `boxHeight`, `boxWidth`) of `src` to `outHeight` x `outWidth`.
 * A box equal to the output size copies pixels exactly.
 */
export function resizeBox(src: ImageBuffer, top: number, left: number, boxHeight: number, boxWidth: number, outHeight: number, outWidth: number): ImageBuffer {
  const c = src.channels;
  const tx = taps(left, boxWidth, outWidth);
  const ty = taps(top, boxHeight, outHeight);
  // Horizontal pass over the rows of the box, then vertical.
  const mid = new Float32Array(boxHeight * outWidth * c);
  for (let y = 0; y < boxHeight; y++) {
    const row = (top + y) * src.width * c;
    for (let x = 0; x < outWidth; x++) {
      const s = tx.start[x]!;
      const n = tx.count[x]!;
      const wo = x * tx.stride;
      for (let k = 0; k < c; k++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += tx.weights[wo + j]! * src.data[row + (s + j) * c + k]!;
        mid[(y * outWidth + x) * c + k] = acc;
      }
    }
  }
  const out = new Float32Array(outHeight * outWidth * c);
  const rowLen = outWidth * c;
  for (let y = 0; y < outHeight; y++) {
    const s = ty.start[y]! - top;
    const n = ty.count[y]!;
    const wo = y * ty.stride;
    for (let i = 0; i < rowLen; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += ty.weights[wo + j]! * mid[(s + j) * rowLen + i]!;
      out[y * rowLen + i] = acc;
    }
  }
  return { data: out, height: outHeight, width: outWidth, channels: c };
}
