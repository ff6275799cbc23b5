/**
 * Image-folder dataset: `root/<class>/<image>.png|.jpg|.jpeg`. Classes are the sub-directories in
 * sorted order (label = position). Every image must have the same size. Dotfiles are ignored;
 * any other file or directory where an image is expected is an error (nothing is skipped
 * silently). Decoding runs in worker threads when `workers` allows.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataError, type Dataset } from '@dkl/core';
import { ArrayDataset } from './array-dataset.js';
import { decodeImageBytes, imageKindOf, type DecodedImage, type ImageKind } from './decode-image.js';
import { mapLimit } from './map-limit.js';
import { readBytes } from './read-file.js';
import { resolveWorkers, WorkerPool } from '../worker/pool.js';

/** Options of {@link loadImageFolder}. */
export interface ImageFolderOptions {
  /** 3 (RGB, alpha dropped; default) or 1 (grey, BT.601 luma). */
  readonly channels?: 1 | 3;
  /** Dataset name (default `image-folder`). */
  readonly name?: string;
  /** Decoding threads: `auto` (default), 0 = this thread, or a count. */
  readonly workers?: number | 'auto';
  /** Worker entry override (tests, bundlers). */
  readonly workerScript?: string | URL;
}

interface Entry {
  readonly file: string;
  readonly kind: ImageKind;
  readonly label: number;
}

async function listImages(root: string): Promise<{ classNames: string[]; entries: Entry[] }> {
  let top;
  try {
    if (!(await stat(root)).isDirectory()) throw new DataError(root, 'is not a directory; expected root/<class>/<image>.png|jpg');
    top = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(root, `directory not found or unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)}); expected root/<class>/<image>.png|jpg`, { cause: error });
  }
  const visible = top.filter((d) => !d.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const stray = visible.find((d) => !d.isDirectory());
  if (stray) throw new DataError(join(root, stray.name), 'is a file directly under the image-folder root; expected only class directories (root/<class>/<image>)');
  if (visible.length === 0) throw new DataError(root, 'has no class directories; expected root/<class>/<image>.png|jpg');
  const classNames = visible.map((d) => d.name);
  const entries: Entry[] = [];
  for (let label = 0; label < classNames.length; label++) {
    const dir = join(root, classNames[label]!);
    const files = (await readdir(dir, { withFileTypes: true })).filter((d) => !d.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (files.length === 0) throw new DataError(dir, `class directory '${classNames[label]}' has no images`);
    for (const f of files) {
      const file = join(dir, f.name);
      if (!f.isFile()) throw new DataError(file, 'is not a regular file; class directories must contain only .png/.jpg/.jpeg images');
      const kind = imageKindOf(f.name);
      if (!kind) throw new DataError(file, 'has an unsupported extension; class directories must contain only .png/.jpg/.jpeg images');
      entries.push({ file, kind, label });
    }
  }
  return { classNames, entries };
}

/**
 * Loads `root/<class>/*.png|jpg` into memory. Errors name the file: unreadable or corrupt images,
 * and images whose size differs from the first one.
 */
export async function loadImageFolder(root: string, options: ImageFolderOptions = {}): Promise<Dataset> {
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new DataError(root, `options.channels must be 1 or 3, got ${String(channels)}`);
  const dir = resolve(root);
  const { classNames, entries } = await listImages(dir);
  const { count, script } = resolveWorkers(options.workers, options.workerScript);
  const pool = count > 0 && entries.length > 1 ? new WorkerPool(Math.min(count, entries.length), script!) : undefined;
  const decodeOne = async (e: Entry): Promise<DecodedImage> => {
    const bytes = await readBytes(e.file, 'a PNG or JPEG image');
    try {
      if (!pool) return decodeImageBytes(bytes, e.kind, channels);
      const reply = await pool.run({ type: 'decode', bytes, kind: e.kind, channels }, [bytes.buffer as ArrayBuffer]);
      if (!reply.ok) throw new Error(reply.message);
      if (!('data' in reply)) throw new Error('worker replied without image data');
      return { width: reply.width, height: reply.height, channels, data: reply.data };
    } catch (error) {
      if (error instanceof DataError) throw error;
      throw new DataError(e.file, `cannot be decoded as ${e.kind.toUpperCase()}: ${(error as Error).message}`, { cause: error });
    }
  };
  let decoded: DecodedImage[];
  try {
    decoded = await mapLimit(entries, 32, decodeOne);
  } finally {
    await pool?.close();
  }
  const first = decoded[0]!;
  const bytesPer = first.width * first.height * channels;
  const images = new Uint8Array(entries.length * bytesPer);
  decoded.forEach((img, i) => {
    if (img.width !== first.width || img.height !== first.height) {
      throw new DataError(entries[i]!.file, `is ${img.width}x${img.height} but ${entries[0]!.file} is ${first.width}x${first.height}; every image in an image folder must have the same size`);
    }
    images.set(img.data, i * bytesPer);
  });
  return new ArrayDataset({
    name: options.name ?? 'image-folder',
    shape: [first.height, first.width, channels],
    numClasses: classNames.length,
    images,
    labels: Int32Array.from(entries.map((e) => e.label)),
    classNames,
    source: dir,
  });
}
