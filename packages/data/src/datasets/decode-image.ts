/**
 * PNG (pngjs) and JPEG (jpeg-js) decoding to HWC uint8 with 1 or 3 channels. Throws plain Errors
 * (no @dkl/core import) because worker threads run this too; callers wrap them in DataErrors that
 * name the file.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** A decoded image. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  /** HWC uint8. */
  readonly data: Uint8Array;
}

/** Image kinds we decode, from the file extension. */
export type ImageKind = 'png' | 'jpeg';

/** The decoder for a file name, or undefined when the extension is not .png/.jpg/.jpeg (any case). */
export function imageKindOf(file: string): ImageKind | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.png')) return 'png';
  if (lower.endsWith('.jpg') || lower.endsWith('.jpeg')) return 'jpeg';
  return undefined;
}

/** RGBA -> RGB (alpha dropped, not composited) or -> grey (BT.601 luma, exact for grey images). */
function fromRgba(rgba: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  const n = width * height;
  const out = new Uint8Array(n * channels);
  if (channels === 3) {
    for (let i = 0; i < n; i++) {
      out[3 * i] = rgba[4 * i]!;
      out[3 * i + 1] = rgba[4 * i + 1]!;
      out[3 * i + 2] = rgba[4 * i + 2]!;
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = Math.round(0.299 * rgba[4 * i]! + 0.587 * rgba[4 * i + 1]! + 0.114 * rgba[4 * i + 2]!);
  }
  return out;
}

/** Decodes PNG or JPEG bytes; corrupt or truncated data throws. JPEG decoding is strict (no tolerant mode). */
export function decodeImageBytes(bytes: Uint8Array, kind: ImageKind, channels: 1 | 3): DecodedImage {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  if (kind === 'png') {
    const png = PNG.sync.read(buffer);
    ({ width, height } = png);
    rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  } else {
    const img = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, tolerantDecoding: false, maxMemoryUsageInMB: 1024 });
    ({ width, height } = img);
    rgba = img.data;
  }
  if (!(width > 0 && height > 0) || rgba.length !== width * height * 4) throw new Error(`decoded to ${width}x${height} with ${rgba.length} RGBA bytes`);
  return { width, height, channels, data: fromRgba(rgba, width, height, channels) };
}
