/** An in-memory dataset: all images packed in one Uint8Array, labels in an Int32Array. */
import { ArgumentError, DataError, type Dataset, type Example } from '@dkl/core';
import type { ImageShape } from '../transforms/spec.js';

/** Options of {@link ArrayDataset}. */
export interface ArrayDatasetInit {
  readonly name: string;
  readonly shape: ImageShape;
  readonly numClasses: number;
  /** `length * H * W * C` bytes, HWC per image, images back to back. */
  readonly images: Uint8Array;
  readonly labels: Int32Array;
  readonly classNames?: readonly string[];
  /** Named in errors about the data (a file or package); defaults to `name`. */
  readonly source?: string;
}

/** Throws ArgumentError unless `index` is an integer in [0, length). */
export function checkIndex(index: number, length: number, name: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new ArgumentError('index', `must be an integer in [0, ${length}) for dataset '${name}', got ${index}`);
  }
}

/**
 * A Dataset over packed arrays. `get(i).image` is a read-only view into the packed buffer (no
 * copy): do not mutate it; transforms always write new arrays.
 */
export class ArrayDataset implements Dataset {
  readonly name: string;
  readonly length: number;
  readonly numClasses: number;
  readonly shape: ImageShape;
  readonly classNames?: readonly string[];
  /** The packed images (HWC uint8, back to back). */
  readonly images: Uint8Array;
  /** One label per image. */
  readonly labels: Int32Array;
  private readonly imageSize: number;

  constructor(init: ArrayDatasetInit) {
    const [h, w, c] = init.shape;
    this.imageSize = h * w * c;
    const source = init.source ?? init.name;
    if (!Number.isInteger(init.numClasses) || init.numClasses <= 0) {
      throw new ArgumentError('numClasses', `must be a positive integer, got ${init.numClasses}`);
    }
    if (init.images.length !== init.labels.length * this.imageSize) {
      throw new DataError(source, `has ${init.images.length} image bytes for ${init.labels.length} labels of shape [${h}, ${w}, ${c}] (expected ${init.labels.length * this.imageSize})`);
    }
    if (init.classNames && init.classNames.length !== init.numClasses) {
      throw new ArgumentError('classNames', `has ${init.classNames.length} names for ${init.numClasses} classes`);
    }
    for (let i = 0; i < init.labels.length; i++) {
      const l = init.labels[i]!;
      if (l < 0 || l >= init.numClasses) throw new DataError(source, `label ${l} of example ${i} is out of range [0, ${init.numClasses})`);
    }
    this.name = init.name;
    this.shape = [h, w, c];
    this.numClasses = init.numClasses;
    this.images = init.images;
    this.labels = init.labels;
    this.length = init.labels.length;
    if (init.classNames) this.classNames = [...init.classNames];
  }

  get(index: number): Example {
    checkIndex(index, this.length, this.name);
    const start = index * this.imageSize;
    return { image: this.images.subarray(start, start + this.imageSize), label: this.labels[index]! };
  }
}

/** Number of examples per class (reads every label once). */
export function classCounts(dataset: Dataset): number[] {
  const counts = new Array<number>(dataset.numClasses).fill(0);
  const labels = labelsOf(dataset);
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}

/** All labels of `dataset` as an Int32Array (fast path for array-backed datasets). */
export function labelsOf(dataset: Dataset): Int32Array {
  if (dataset instanceof ArrayDataset) return dataset.labels;
  // Streaming datasets hold their labels (their images are not readable synchronously); subsets map them.
  const own = (dataset as { labels?: unknown }).labels;
  if (own instanceof Int32Array && own.length === dataset.length) return own;
  const sub = dataset as { base?: Dataset; indices?: unknown };
  if (sub.base && sub.indices instanceof Int32Array) {
    const base = labelsOf(sub.base);
    return Int32Array.from(sub.indices, (i) => base[i]!);
  }
  const labels = new Int32Array(dataset.length);
  for (let i = 0; i < dataset.length; i++) labels[i] = dataset.get(i).label;
  return labels;
}
