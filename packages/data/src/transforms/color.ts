/**
 * Photometric functions with torchvision's tensor semantics (`torchvision.transforms.functional`
 * on float images), in 0-255 units: results are clamped to [0, 255] and never rounded (a float
 * pipeline), except where the operation is defined on integers (posterize, equalize), which round
 * to the nearest integer level first.
 */
import type { ImageBuffer } from './image-buffer.js';

/** torchvision's `rgb_to_grayscale` weights. */
export const GRAY_WEIGHTS = [0.2989, 0.587, 0.114] as const;
const MAX = 255;
const clamp = (v: number): number => (v < 0 ? 0 : v > MAX ? MAX : v);

/** Luma of every pixel (1 channel); a 1-channel image is copied. */
export function grayOf(img: ImageBuffer): Float32Array {
  const n = img.height * img.width;
  const out = new Float32Array(n);
  if (img.channels === 1) {
    out.set(img.data.subarray(0, n));
    return out;
  }
  const d = img.data;
  for (let i = 0; i < n; i++) out[i] = GRAY_WEIGHTS[0] * d[i * 3]! + GRAY_WEIGHTS[1] * d[i * 3 + 1]! + GRAY_WEIGHTS[2] * d[i * 3 + 2]!;
  return out;
}

/** `clamp(ratio * img + (1 - ratio) * other)` in place; `other` is per pixel (gray, 1 value per pixel), per value, or a constant. */
function blendInPlace(img: ImageBuffer, ratio: number, other: number | Float32Array, perPixel: boolean): ImageBuffer {
  const d = img.data;
  const c = img.channels;
  const n = img.height * img.width * c;
  for (let i = 0; i < n; i++) {
    const o = typeof other === 'number' ? other : perPixel ? other[Math.floor(i / c)]! : other[i]!;
    d[i] = clamp(ratio * d[i]! + (1 - ratio) * o);
  }
  return img;
}

/** `adjust_brightness`: blend with black. */
export function adjustBrightness(img: ImageBuffer, factor: number): ImageBuffer {
  return blendInPlace(img, factor, 0, false);
}

/** `adjust_contrast`: blend with the mean of the grayscale image. */
export function adjustContrast(img: ImageBuffer, factor: number): ImageBuffer {
  const gray = grayOf(img);
  let sum = 0;
  for (let i = 0; i < gray.length; i++) sum += gray[i]!;
  return blendInPlace(img, factor, sum / gray.length, false);
}

/** `adjust_saturation`: blend with the grayscale image (no-op on 1 channel). */
export function adjustSaturation(img: ImageBuffer, factor: number): ImageBuffer {
  if (img.channels === 1) return img;
  return blendInPlace(img, factor, grayOf(img), true);
}

/** `adjust_hue`: shift the hue by `shift` (in [-0.5, 0.5], fraction of the colour wheel) in HSV. */
export function adjustHue(img: ImageBuffer, shift: number): ImageBuffer {
  if (img.channels === 1) return img;
  const d = img.data;
  const n = img.height * img.width;
  for (let i = 0; i < n; i++) {
    const r = d[i * 3]! / MAX;
    const g = d[i * 3 + 1]! / MAX;
    const b = d[i * 3 + 2]! / MAX;
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    const eq = maxc === minc;
    const cr = maxc - minc;
    const s = cr / (eq ? 1 : maxc);
    const div = eq ? 1 : cr;
    const rc = (maxc - r) / div;
    const gc = (maxc - g) / div;
    const bc = (maxc - b) / div;
    let h = maxc === r ? bc - gc : maxc === g ? 2 + rc - bc : 4 + gc - rc;
    h = (((h / 6 + 1) % 1) + shift) % 1;
    if (h < 0) h += 1; // Python's % keeps the divisor's sign
    const v = maxc;
    const h6 = h * 6;
    const fi = Math.floor(h6);
    const f = h6 - fi;
    const p = Math.min(1, Math.max(0, v * (1 - s)));
    const q = Math.min(1, Math.max(0, v * (1 - s * f)));
    const t = Math.min(1, Math.max(0, v * (1 - s * (1 - f))));
    const sector = ((fi % 6) + 6) % 6;
    const rgb = [
      [v, t, p],
      [q, v, p],
      [p, v, t],
      [p, q, v],
      [t, p, v],
      [v, p, q],
    ][sector]!;
    d[i * 3] = rgb[0]! * MAX;
    d[i * 3 + 1] = rgb[1]! * MAX;
    d[i * 3 + 2] = rgb[2]! * MAX;
  }
  return img;
}

/** `adjust_sharpness`: blend with the image smoothed by [[1,1,1],[1,5,1],[1,1,1]]/13 (border pixels kept). */
export function adjustSharpness(img: ImageBuffer, factor: number): ImageBuffer {
  const { height: h, width: w, channels: c } = img;
  if (h <= 2 || w <= 2) return img;
  const src = img.data;
  const degenerate = Float32Array.from(src);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      for (let k = 0; k < c; k++) {
        let acc = 4 * src[(y * w + x) * c + k]!;
        for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) acc += src[((y + dy) * w + (x + dx)) * c + k]!;
        degenerate[(y * w + x) * c + k] = acc / 13;
      }
    }
  }
  return blendInPlace(img, factor, degenerate, false);
}

/** Nearest integer level in [0, 255]. */
const level = (v: number): number => Math.min(MAX, Math.max(0, Math.round(v)));

/** `posterize`: keep the top `bits` bits of every (integer) value. */
export function posterize(img: ImageBuffer, bits: number): ImageBuffer {
  const mask = ~(2 ** (8 - bits) - 1) & 0xff;
  const d = img.data;
  for (let i = 0; i < d.length; i++) d[i] = level(d[i]!) & mask;
  return img;
}

/** `solarize`: invert every value at or above `threshold`. */
export function solarize(img: ImageBuffer, threshold: number): ImageBuffer {
  const d = img.data;
  for (let i = 0; i < d.length; i++) if (d[i]! >= threshold) d[i] = MAX - d[i]!;
  return img;
}

/** `invert`. */
export function invert(img: ImageBuffer): ImageBuffer {
  const d = img.data;
  for (let i = 0; i < d.length; i++) d[i] = MAX - d[i]!;
  return img;
}

/** `autocontrast`: stretch every channel to [0, 255] (a constant channel is left alone). */
export function autocontrast(img: ImageBuffer): ImageBuffer {
  const { channels: c } = img;
  const d = img.data;
  const n = img.height * img.width * c;
  for (let k = 0; k < c; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = k; i < n; i += c) {
      lo = Math.min(lo, d[i]!);
      hi = Math.max(hi, d[i]!);
    }
    if (hi === lo) continue;
    const scale = MAX / (hi - lo);
    for (let i = k; i < n; i += c) d[i] = clamp((d[i]! - lo) * scale);
  }
  return img;
}

/** `equalize`: per-channel histogram equalisation of the integer levels (torchvision's `_scale_channel`). */
export function equalize(img: ImageBuffer): ImageBuffer {
  const { channels: c } = img;
  const d = img.data;
  const n = img.height * img.width * c;
  for (let k = 0; k < c; k++) {
    const hist = new Float64Array(256);
    for (let i = k; i < n; i += c) hist[level(d[i]!)]! += 1;
    let last = 255;
    while (last > 0 && hist[last] === 0) last--;
    // step = floor(sum of the non-zero bins except the last non-zero one / 255)
    let total = 0;
    for (let v = 0; v < last; v++) total += hist[v]!;
    const step = Math.floor(total / 255);
    if (step === 0) {
      for (let i = k; i < n; i += c) d[i] = level(d[i]!);
      continue;
    }
    const lut = new Float64Array(256);
    let cum = 0;
    for (let v = 0; v < 256; v++) {
      // lut = floor((cumsum(hist) + floor(step / 2)) / step), shifted right by one
      lut[v] = Math.min(MAX, Math.max(0, Math.floor((cum + Math.floor(step / 2)) / step)));
      cum += hist[v]!;
    }
    for (let i = k; i < n; i += c) d[i] = lut[level(d[i]!)]!;
  }
  return img;
}

/** Grayscale replicated to the image's channels (RandomGrayscale / Grayscale(num_output_channels=C)). */
export function toGrayscale(img: ImageBuffer): ImageBuffer {
  if (img.channels === 1) return img;
  const gray = grayOf(img);
  const d = img.data;
  for (let i = 0; i < gray.length; i++) d[i * 3] = d[i * 3 + 1] = d[i * 3 + 2] = gray[i]!;
  return img;
}
