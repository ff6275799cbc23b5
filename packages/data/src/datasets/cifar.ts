/**
 * CIFAR-10 / CIFAR-100 from the official binary distribution
 * (https://www.cs.toronto.edu/~kriz/cifar.html, "binary version").
 *
 * CIFAR-10 record: 1 label byte + 3072 pixel bytes; CIFAR-100 record: 1 coarse + 1 fine label byte
 * + 3072 pixel bytes. Pixels are channel-planar (1024 R, 1024 G, 1024 B, rows top to bottom); we
 * convert to HWC.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { ArgumentError, DataError, type Dataset } from '@dkl/core';
import { ArrayDataset } from './array-dataset.js';
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES, CIFAR10_CLASSES } from './cifar-names.js';
import { readBytes } from './read-file.js';

/** Where users download CIFAR; named in every "missing files" error. */
export const CIFAR_URL = 'https://www.cs.toronto.edu/~kriz/cifar.html';

/** Options of {@link loadCifar}. */
export interface CifarOptions {
  readonly variant: 'cifar10' | 'cifar100';
  readonly split: 'train' | 'test';
  /** CIFAR-100 only: 100 `fine` classes (default) or 20 `coarse` superclasses. */
  readonly labelKind?: 'fine' | 'coarse';
}

const PIXELS = 32 * 32;
const IMAGE_BYTES = 3 * PIXELS;

/** The files of one split, relative to the data directory. */
export function cifarFiles(variant: 'cifar10' | 'cifar100', split: 'train' | 'test'): string[] {
  if (variant === 'cifar10') return split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
  return [split === 'train' ? 'train.bin' : 'test.bin'];
}

const ARCHIVE_DIR = { cifar10: 'cifar-10-batches-bin', cifar100: 'cifar-100-binary' } as const;
const ARCHIVE_NAME = { cifar10: 'cifar-10-binary.tar.gz', cifar100: 'cifar-100-binary.tar.gz' } as const;

/** Decoded records of one CIFAR binary file. */
export interface CifarRecords {
  readonly images: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
}

/**
 * Parses CIFAR binary records from `bytes` (named `file` in errors): validates the size is a whole
 * number of records and every label is in range, and converts pixels to HWC.
 */
export function parseCifarRecords(bytes: Uint8Array, file: string, variant: 'cifar10' | 'cifar100', labelKind: 'fine' | 'coarse' = 'fine'): CifarRecords {
  const labelBytes = variant === 'cifar10' ? 1 : 2;
  const recordSize = labelBytes + IMAGE_BYTES;
  const pretty = variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100';
  if (bytes.length === 0) throw new DataError(file, `is empty; expected ${pretty} records of ${recordSize} bytes`);
  if (bytes.length % recordSize !== 0) {
    throw new DataError(
      file,
      `size ${bytes.length} bytes is not a multiple of the ${recordSize}-byte ${pretty} record ` +
        `(${Math.floor(bytes.length / recordSize)} whole records + ${bytes.length % recordSize} bytes): the file is truncated or not a ${pretty} binary file`,
    );
  }
  const count = bytes.length / recordSize;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  const labelOffset = variant === 'cifar10' || labelKind === 'coarse' ? 0 : 1;
  const range = variant === 'cifar10' ? 10 : labelKind === 'coarse' ? 20 : 100;
  for (let r = 0; r < count; r++) {
    const base = r * recordSize;
    const label = bytes[base + labelOffset]!;
    if (variant === 'cifar100') {
      const coarse = bytes[base]!;
      const fine = bytes[base + 1]!;
      if (coarse >= 20) throw new DataError(file, `record ${r} (byte offset ${base}) has coarse label ${coarse}; CIFAR-100 coarse labels are 0-19`);
      if (fine >= 100) throw new DataError(file, `record ${r} (byte offset ${base + 1}) has fine label ${fine}; CIFAR-100 fine labels are 0-99`);
    } else if (label >= range) {
      throw new DataError(file, `record ${r} (byte offset ${base}) has label ${label}; ${pretty} labels are 0-${range - 1}: the file is corrupt or not ${pretty}`);
    }
    labels[r] = label;
    const px = base + labelBytes;
    const out = r * IMAGE_BYTES;
    for (let i = 0; i < PIXELS; i++) {
      images[out + 3 * i] = bytes[px + i]!;
      images[out + 3 * i + 1] = bytes[px + PIXELS + i]!;
      images[out + 3 * i + 2] = bytes[px + 2 * PIXELS + i]!;
    }
  }
  return { images, labels, count };
}

/** Reads one label-name file of the archive if present and well-formed, else returns `fallback`. */
async function readNames(dir: string, file: string, expected: number, fallback: readonly string[]): Promise<readonly string[]> {
  const path = join(dir, file);
  if (!existsSync(path)) return fallback;
  const names = (await readFile(path, 'utf8')).split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length !== expected) throw new DataError(path, `lists ${names.length} class names; expected ${expected}`);
  return names;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Loads one split of CIFAR-10 or CIFAR-100 from `dir` (the extracted binary archive, or its
 * parent containing `cifar-10-batches-bin` / `cifar-100-binary`). Missing files give a DataError
 * listing the expected files, the directory searched and where to download them.
 */
export async function loadCifar(dir: string, options: CifarOptions): Promise<Dataset> {
  const { variant, split } = options ?? ({} as CifarOptions);
  if (variant !== 'cifar10' && variant !== 'cifar100') throw new ArgumentError('options.variant', `must be 'cifar10' or 'cifar100', got '${String(variant)}'`);
  if (split !== 'train' && split !== 'test') throw new ArgumentError('options.split', `must be 'train' or 'test', got '${String(split)}'`);
  const labelKind = options.labelKind ?? 'fine';
  if (labelKind !== 'fine' && labelKind !== 'coarse') throw new ArgumentError('options.labelKind', `must be 'fine' or 'coarse', got '${String(labelKind)}'`);
  if (variant === 'cifar10' && options.labelKind === 'coarse') throw new ArgumentError('options.labelKind', "'coarse' labels exist only for cifar100");
  if (typeof dir !== 'string' || dir.length === 0) throw new ArgumentError('dir', 'must be a non-empty directory path');

  const files = cifarFiles(variant, split);
  const root = resolve(dir);
  const nested = join(root, ARCHIVE_DIR[variant]);
  const base = files.every((f) => existsSync(join(root, f))) ? root : isDir(nested) ? nested : root;
  const missing = files.filter((f) => !existsSync(join(base, f)));
  if (missing.length > 0) {
    const why = !isDir(root) ? 'directory does not exist' : `missing ${missing.join(', ')}`;
    throw new DataError(
      base,
      `${why}. ${variant} ${split} expects ${files.join(', ')} in ${base} (or in ${join(root, ARCHIVE_DIR[variant])}). ` +
        `Download the binary version (${ARCHIVE_NAME[variant]}) from ${CIFAR_URL} and extract it there.`,
    );
  }
  const parts: CifarRecords[] = [];
  for (const f of files) {
    const path = join(base, f);
    parts.push(parseCifarRecords(await readBytes(path, `a ${variant} binary batch`), path, variant, labelKind));
  }
  const count = parts.reduce((n, p) => n + p.count, 0);
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Int32Array(count);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * IMAGE_BYTES);
    labels.set(p.labels, at);
    at += p.count;
  }
  const classNames =
    variant === 'cifar10'
      ? await readNames(base, 'batches.meta.txt', 10, CIFAR10_CLASSES)
      : labelKind === 'coarse'
        ? await readNames(base, 'coarse_label_names.txt', 20, CIFAR100_COARSE_CLASSES)
        : await readNames(base, 'fine_label_names.txt', 100, CIFAR100_FINE_CLASSES);
  return new ArrayDataset({
    name: variant === 'cifar10' ? `cifar10-${split}` : `cifar100-${split}${labelKind === 'coarse' ? '-coarse' : ''}`,
    shape: [32, 32, 3],
    numClasses: classNames.length,
    images,
    labels,
    classNames,
    source: base,
  });
}
