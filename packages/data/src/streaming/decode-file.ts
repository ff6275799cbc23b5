/**
 * Decodes one image file with sharp (libvips): JPEG, PNG, WebP, TIFF, GIF, AVIF, any size, to HWC
 * uint8 RGB (grayscale expanded, CMYK converted through its profile, alpha dropped) or grey.
 * Throws plain Errors (worker threads run this without @dkl/core); callers name the file.
 */
import type { Sharp, SharpOptions } from 'sharp';

/** File extensions a streaming image dataset accepts (any case). */
export const STREAMING_IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff', '.gif', '.avif'] as const;

/** True when `name` has one of {@link STREAMING_IMAGE_EXTENSIONS}. */
export function isStreamingImage(name: string): boolean {
  const lower = name.toLowerCase();
  return STREAMING_IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** A decoded image of any size. */
export interface DecodedFile {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
}

let sharpModule: Promise<(input: string, options?: SharpOptions) => Sharp> | undefined;

/** sharp, imported on first use (datasets that never decode files never load libvips). */
export function loadSharp(): Promise<(input: string, options?: SharpOptions) => Sharp> {
  sharpModule ??= import('sharp').then((m) => {
    const vips = m.default as unknown as { cache(on: boolean): void; concurrency(n: number): number };
    // Every file is decoded once per epoch: libvips' operation cache would only hold memory.
    vips.cache(false);
    // One libvips thread per decode: files are decoded several at a time on libuv's pool (or in
    // worker threads), and extra threads inside one small decode only add synchronisation
    // (about 0.5 ms CPU per 500x375 JPEG here).
    vips.concurrency(1);
    return m.default as unknown as (input: string, options?: SharpOptions) => Sharp;
  });
  return sharpModule;
}

/** Limits libvips to `threads` threads per operation (worker threads use 1: parallelism comes from the workers). */
export async function setDecoderThreads(threads: number): Promise<void> {
  const sharp = (await loadSharp()) as unknown as { concurrency(n: number): number };
  sharp.concurrency(threads);
}

/** Decodes `file` to `channels` channels (3: sRGB; 1: grey). */
export async function decodeImageFile(file: string, channels: 1 | 3): Promise<DecodedFile> {
  const sharp = await loadSharp();
  // failOn 'error': a truncated or corrupt file is an error, not a half-grey image.
  let pipeline = sharp(file, { failOn: 'error' });
  pipeline = channels === 3 ? pipeline.toColourspace('srgb') : pipeline.toColourspace('b-w');
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels) throw new Error(`decoded to ${info.channels} channels, expected ${channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), height: info.height, width: info.width, channels };
}
