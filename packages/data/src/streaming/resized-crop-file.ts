/**
 * Decode + crop of one file in one libvips pipeline: the first step of a streaming pipeline that
 * starts with `random-resized-crop`. The header gives the image size, the crop box is drawn from
 * it exactly as the JavaScript kernel draws it (torchvision's `get_params`), and only the box's
 * pixels reach JavaScript, where the antialiased bilinear resize (resample.ts, PIL's filter) runs
 * as for any other image. (libvips' own resize is not used: its linear upsampling and its
 * rounding differ from PIL's / torchvision's by many levels on detailed images.)
 * Worker-safe: no @dkl/core, no tfjs.
 */
import { promises as fs } from 'node:fs';
import { loadSharp } from './decode-file.js';
import { jpegSize } from './jpeg-size.js';

/** `(height, width) -> [top, left, boxHeight, boxWidth]` of the crop. */
export type CropBoxOf = (height: number, width: number) => readonly [number, number, number, number];

/** Decodes the box `boxOf(height, width)` of `file` as `channels`-channel uint8 HWC. */
export async function decodeCrop(file: string, channels: 1 | 3, boxOf: CropBoxOf): Promise<{ data: Uint8Array; height: number; width: number }> {
  const sharp = await loadSharp();
  const bytes = await fs.readFile(file);
  // A JPEG's size is in its frame header; other formats ask libvips.
  const { height, width } = jpegSize(bytes) ?? (await sharp(bytes as unknown as string, { failOn: 'error' }).metadata());
  if (!height || !width) throw new Error('has no image size in its header');
  const [top, left, boxHeight, boxWidth] = boxOf(height, width);
  let pipeline = sharp(bytes as unknown as string, { failOn: 'error' }).extract({ top, left, height: boxHeight, width: boxWidth });
  pipeline = channels === 3 ? pipeline.toColourspace('srgb') : pipeline.toColourspace('b-w');
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels || info.height !== boxHeight || info.width !== boxWidth) {
    throw new Error(`decoded to ${info.height}x${info.width}x${info.channels}, expected ${boxHeight}x${boxWidth}x${channels}`);
  }
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), height: boxHeight, width: boxWidth };
}
