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

/** The horizontal pass's intermediate rows, reused across calls (resizing is synchronous). */
let midBuffer = new Float32Array(0);

/**
 * Resizes the box (`top`, `left`, `boxHeight`, `boxWidth`) of `src` to `outHeight` x `outWidth`.
 * A box equal to the output size copies pixels exactly.
 */
export function resizeBox(src: ImageBuffer, top: number, left: number, boxHeight: number, boxWidth: number, outHeight: number, outWidth: number): ImageBuffer {
  const c = src.channels;
  const tx = taps(left, boxWidth, outWidth);
  const ty = taps(top, boxHeight, outHeight);
  // Horizontal pass over the rows of the box, then vertical; RGB gets its own loop (3 accumulators, no channel loop).
  const midLen = boxHeight * outWidth * c;
  if (midBuffer.length < midLen) midBuffer = new Float32Array(midLen);
  const mid = midBuffer; // every element read below is written first
  const data = src.data;
  const { start: xs, count: xn, weights: xw, stride: xStride } = tx;
  for (let y = 0; y < boxHeight; y++) {
    const row = (top + y) * src.width * c;
    const midRow = y * outWidth * c;
    for (let x = 0; x < outWidth; x++) {
      const n = xn[x]!;
      const wo = x * xStride;
      let si = row + xs[x]! * c;
      if (c === 3) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let j = 0; j < n; j++, si += 3) {
          const w = xw[wo + j]!;
          r += w * data[si]!;
          g += w * data[si + 1]!;
          b += w * data[si + 2]!;
        }
        mid[midRow + x * 3] = r;
        mid[midRow + x * 3 + 1] = g;
        mid[midRow + x * 3 + 2] = b;
      } else {
        for (let k = 0; k < c; k++) {
          let acc = 0;
          for (let j = 0; j < n; j++) acc += xw[wo + j]! * data[si + j * c + k]!;
          mid[midRow + x * c + k] = acc;
        }
      }
    }
  }
  const out = new Float32Array(outHeight * outWidth * c);
  const rowLen = outWidth * c;
  const { start: ys, count: yn, weights: yw, stride: yStride } = ty;
  for (let y = 0; y < outHeight; y++) {
    const first = (ys[y]! - top) * rowLen;
    const n = yn[y]!;
    const wo = y * yStride;
    const o = y * rowLen;
    // Accumulate whole rows: contiguous reads, one weight per source row.
    for (let j = 0; j < n; j++) {
      const w = yw[wo + j]!;
      const m = first + j * rowLen;
      for (let i = 0; i < rowLen; i++) out[o + i] = out[o + i]! + w * mid[m + i]!;
    }
  }
  return { data: out, height: outHeight, width: outWidth, channels: c };
}
