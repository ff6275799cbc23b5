/**
 * Weight encoding for TensorFlow.js artifacts with tfjs-converter's optional quantisation:
 * `float16` stores IEEE half floats, `uint8` an affine code per tensor (`value = q * scale + min`,
 * the range nudged so that 0 is exactly representable, as the converter does). Both are decoded by
 * stock `tf.io.decodeWeights` from the manifest's `quantization` entry. Integer tensors (shapes,
 * axes) are never quantised, nor are rank-1 tensors (biases, per-channel scales): they are a tiny
 * part of the bytes and carry the folded batch-norm shifts, whose rounding moves whole channels.
 */
import type * as tf from '@tensorflow/tfjs';

/** Weight quantisation of an export. */
export type Quantization = 'none' | 'float16' | 'uint8';

export const QUANTIZATIONS: readonly Quantization[] = ['none', 'float16', 'uint8'];

export interface NamedWeight {
  readonly name: string;
  readonly data: Float32Array | Int32Array;
  readonly shape: readonly number[];
}

/** Encodes `weights` in order into one buffer and its manifest entries. */
export function encodeWeights(weights: readonly NamedWeight[], quantization: Quantization): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  // Each weight's bytes are written straight into one buffer sized up front (no per-weight copies:
  // the large models' exports are hundreds of megabytes).
  const quantized = (w: NamedWeight) => !(w.data instanceof Int32Array) && w.shape.length > 1 && quantization !== 'none';
  const bytesPerValue = (w: NamedWeight) => (!quantized(w) ? 4 : quantization === 'float16' ? 2 : 1);
  const total = weights.reduce((a, w) => a + w.data.length * bytesPerValue(w), 0);
  const data = new Uint8Array(total);
  let offset = 0;
  const put = (bytes: Uint8Array) => {
    data.set(bytes, offset);
    offset += bytes.byteLength;
  };
  const specs = weights.map((w): tf.io.WeightsManifestEntry => {
    const shape = [...w.shape];
    if (w.data instanceof Int32Array) {
      put(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
      return { name: w.name, shape, dtype: 'int32' };
    }
    if (quantized(w) && quantization === 'float16') {
      put(new Uint8Array(toFloat16(w.data).buffer));
      return { name: w.name, shape, dtype: 'float32', quantization: { dtype: 'float16' } };
    }
    if (quantized(w) && quantization === 'uint8') {
      const { codes, scale, min } = toUint8(w.data);
      put(codes);
      return { name: w.name, shape, dtype: 'float32', quantization: { dtype: 'uint8', scale, min } };
    }
    put(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
    return { name: w.name, shape, dtype: 'float32' };
  });
  return { specs, data: data.buffer };
}

/** Affine uint8 code of one tensor; the range always contains 0 and 0 maps to an integer code. */
export function toUint8(values: Float32Array): { codes: Uint8Array; scale: number; min: number } {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zero = Math.round(-lo / scale);
  const min = -zero * scale;
  const codes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = Math.min(255, Math.max(0, Math.round((values[i]! - min) / scale)));
  return { codes, scale, min };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16, round to nearest even (subnormals, overflow to infinity). */
export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i]!;
    const x = u32[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    let e = exp - 127 + 15;
    if (e >= 0x1f) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      const half = 1 << (shift - 1);
      let m = mant >>> shift;
      const rest = mant & ((1 << shift) - 1);
      if (rest > half || (rest === half && (m & 1))) m++;
      out[i] = sign | m;
      continue;
    }
    let m = mant >>> 13;
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (m & 1))) {
      m++;
      if (m === 0x400) {
        m = 0;
        e++;
        if (e >= 0x1f) {
          out[i] = sign | 0x7c00;
          continue;
        }
      }
    }
    out[i] = sign | (e << 10) | m;
  }
  return out;
}
