/**
 * Bilinear resampling with antialiasing, as PIL's `resize(BILINEAR)` and torchvision's
 * `resize(..., antialias=True)`: a triangle filter whose support widens by the downscale
 * factor, applied separably, weights normalised inside the source box. Upscaling is plain
 * bilinear with half-pixel centres. The source box (crop) bounds the pixels used.
 *
 * Arithmetic (fixed so results are the same bits on every path): each horizontal tap sum runs in
 * float64 and is stored as float32; each vertical tap is added in float64 and rounded to float32.
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
 * Horizontal pass of `rows` rows from `row0` (source row index) into `mid`, RGB, channels unrolled.
 * One body for both source types: specialising it per type saved about 10 % of a 400x300 -> 224x224
 * resize, not worth a second copy.
 */
function horizontalRgb(data: Float32Array | Uint8Array, srcWidth: number, row0: number, rows: number, tx: Taps, outWidth: number, mid: Float32Array): void {
  const { start: xs, count: xn, weights: xw, stride } = tx;
  for (let y = 0; y < rows; y++) {
    const row = (row0 + y) * srcWidth * 3;
    let m = y * outWidth * 3;
    for (let x = 0; x < outWidth; x++, m += 3) {
      const n = xn[x]!;
      let wi = x * stride;
      let si = row + xs[x]! * 3;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let j = 0; j < n; j++, si += 3, wi++) {
        const w = xw[wi]!;
        r += w * data[si]!;
        g += w * data[si + 1]!;
        b += w * data[si + 2]!;
      }
      mid[m] = r;
      mid[m + 1] = g;
      mid[m + 2] = b;
    }
  }
}

/** Horizontal pass for any channel count (grey, RGBA); either source type. */
function horizontalAny(data: Float32Array | Uint8Array, srcWidth: number, c: number, row0: number, rows: number, tx: Taps, outWidth: number, mid: Float32Array): void {
  const { start: xs, count: xn, weights: xw, stride } = tx;
  for (let y = 0; y < rows; y++) {
    const row = (row0 + y) * srcWidth * c;
    const midRow = y * outWidth * c;
    for (let x = 0; x < outWidth; x++) {
      const n = xn[x]!;
      const wo = x * stride;
      const si = row + xs[x]! * c;
      for (let k = 0; k < c; k++) {
        let acc = 0;
        for (let j = 0; j < n; j++) acc += xw[wo + j]! * data[si + j * c + k]!;
        mid[midRow + x * c + k] = acc;
      }
    }
  }
}

/**
 * Vertical pass: output row y is the weighted sum of its source rows of `mid`, each tap added in
 * float64 and rounded to float32, in tap order. Short filters (up to 4 taps: every upscale and
 * downscales below 1.5x) keep the sum in a register; longer ones accumulate whole rows
 * (contiguous reads, one weight per source row).
 */
function vertical(mid: Float32Array, ty: Taps, top: number, rowLen: number, outHeight: number, out: Float32Array): void {
  const { start: ys, count: yn, weights: yw, stride } = ty;
  const f = Math.fround;
  for (let y = 0; y < outHeight; y++) {
    const n = yn[y]!;
    const wo = y * stride;
    const o = y * rowLen;
    const m0 = (ys[y]! - top) * rowLen;
    if (n === 0) out.fill(0, o, o + rowLen);
    else if (n === 2) {
      const w0 = yw[wo]!;
      const w1 = yw[wo + 1]!;
      const m1 = m0 + rowLen;
      for (let i = 0; i < rowLen; i++) out[o + i] = f(f(0 + w0 * mid[m0 + i]!) + w1 * mid[m1 + i]!);
    } else if (n === 3) {
      const w0 = yw[wo]!;
      const w1 = yw[wo + 1]!;
      const w2 = yw[wo + 2]!;
      const m1 = m0 + rowLen;
      const m2 = m1 + rowLen;
      for (let i = 0; i < rowLen; i++) out[o + i] = f(f(f(0 + w0 * mid[m0 + i]!) + w1 * mid[m1 + i]!) + w2 * mid[m2 + i]!);
    } else if (n === 4) {
      const w0 = yw[wo]!;
      const w1 = yw[wo + 1]!;
      const w2 = yw[wo + 2]!;
      const w3 = yw[wo + 3]!;
      const m1 = m0 + rowLen;
      const m2 = m1 + rowLen;
      const m3 = m2 + rowLen;
      for (let i = 0; i < rowLen; i++) out[o + i] = f(f(f(f(0 + w0 * mid[m0 + i]!) + w1 * mid[m1 + i]!) + w2 * mid[m2 + i]!) + w3 * mid[m3 + i]!);
    } else {
      const w0 = yw[wo]!;
      for (let i = 0; i < rowLen; i++) out[o + i] = 0 + w0 * mid[m0 + i]!; // 0 + : -0 becomes +0 as in a running sum
      for (let j = 1; j < n; j++) {
        const w = yw[wo + j]!;
        const m = m0 + j * rowLen;
        for (let i = 0; i < rowLen; i++) out[o + i] = out[o + i]! + w * mid[m + i]!;
      }
    }
  }
}

/**
 * Resizes the box (`top`, `left`, `boxHeight`, `boxWidth`) of `src` to `outHeight` x `outWidth`.
 * A box equal to the output size copies pixels exactly. `src.data` may hold the decoder's bytes
 * (a Uint8Array) instead of floats: only values are read. The result is written into `into`
 * when it is given (at least `outHeight * outWidth * channels` long; a view of that length is
 * returned), else into a new array.
 */
export function resizeBox(src: ImageBuffer, top: number, left: number, boxHeight: number, boxWidth: number, outHeight: number, outWidth: number, into?: Float32Array): ImageBuffer {
  const c = src.channels;
  const tx = taps(left, boxWidth, outWidth);
  const ty = taps(top, boxHeight, outHeight);
  const midLen = boxHeight * outWidth * c;
  if (midBuffer.length < midLen) midBuffer = new Float32Array(midLen);
  const mid = midBuffer; // every element read below is written first
  const data = src.data as Float32Array | Uint8Array;
  if (c !== 3) horizontalAny(data, src.width, c, top, boxHeight, tx, outWidth, mid);
  else horizontalRgb(data, src.width, top, boxHeight, tx, outWidth, mid);
  const outLen = outHeight * outWidth * c;
  const out = into ? (into.length === outLen ? into : into.subarray(0, outLen)) : new Float32Array(outLen);
  vertical(mid, ty, top, outWidth * c, outHeight, out);
  return { data: out, height: outHeight, width: outWidth, channels: c };
}
