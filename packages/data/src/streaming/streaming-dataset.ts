/**
 * A dataset of image files decoded on demand: only the index (paths and labels) lives in memory.
 * Images may have any size (`shape` is `[0, 0, C]`); the Loader decodes each batch (in its
 * worker threads when it has them) and its pipeline must bring every image to one size
 * (`random-resized-crop`, `center-crop`, ...). `get()` is synchronous and therefore not
 * available: use a Loader, or `load(i)`.
 */
import { DataError, type Dataset, type Example } from '@dkl/core';
import { checkIndex } from '../datasets/array-dataset.js';
import { decodeImageFile, type DecodedFile } from './decode-file.js';

/** What to do with an unreadable image: fail naming it (default), or skip it and count it. */
export type BadImagePolicy = 'error' | 'skip';

/** Options of {@link StreamingImageDataset}. */
export interface StreamingImageDatasetInit {
  readonly name: string;
  /** Absolute paths. */
  readonly files: readonly string[];
  readonly labels: Int32Array;
  readonly numClasses: number;
  readonly classNames?: readonly string[];
  readonly channels: 1 | 3;
  readonly onBadImage?: BadImagePolicy;
}

/** A decoded example with its own size. */
export interface DecodedExample extends DecodedFile {
  readonly label: number;
}

/** Image files + labels; images decoded by sharp when a batch needs them. */
export class StreamingImageDataset implements Dataset {
  readonly name: string;
  readonly length: number;
  readonly numClasses: number;
  readonly shape: readonly [number, number, number];
  readonly classNames?: readonly string[];
  readonly channels: 1 | 3;
  readonly onBadImage: BadImagePolicy;
  /** One label per file. */
  readonly labels: Int32Array;
  private readonly files: readonly string[];

  constructor(init: StreamingImageDatasetInit) {
    if (init.files.length !== init.labels.length) throw new DataError(init.name, `has ${init.files.length} files for ${init.labels.length} labels`);
    this.name = init.name;
    this.files = init.files;
    this.labels = init.labels;
    this.length = init.files.length;
    this.numClasses = init.numClasses;
    this.channels = init.channels;
    this.shape = [0, 0, init.channels];
    this.onBadImage = init.onBadImage ?? 'error';
    if (init.classNames) this.classNames = [...init.classNames];
    for (let i = 0; i < this.length; i++) {
      const l = this.labels[i]!;
      if (!Number.isInteger(l) || l < 0 || l >= this.numClasses) throw new DataError(init.files[i]!, `label ${l} is out of range [0, ${this.numClasses})`);
    }
  }

  /** Path of example `index`. */
  fileOf(index: number): string {
    checkIndex(index, this.length, this.name);
    return this.files[index]!;
  }

  /** Not available: images are decoded asynchronously (use a Loader or {@link load}). */
  get(index: number): Example {
    throw new DataError(this.fileOf(index), `'${this.name}' streams images of varying size; read it through a Loader (or await dataset.load(${index}))`);
  }

  /** Decodes example `index`; an unreadable image is a DataError naming the file. */
  async load(index: number): Promise<DecodedExample> {
    const file = this.fileOf(index);
    try {
      return { ...(await decodeImageFile(file, this.channels)), label: this.labels[index]! };
    } catch (error) {
      throw new DataError(file, `cannot be decoded as an image: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** The streaming dataset under `dataset` (directly or through subsets) with the index map, if any. */
export function streamingSource(dataset: Dataset): { base: StreamingImageDataset; baseIndex: (i: number) => number } | undefined {
  if (dataset instanceof StreamingImageDataset) return { base: dataset, baseIndex: (i) => i };
  const sub = dataset as { base?: Dataset; indices?: Int32Array };
  if (sub.base && sub.indices instanceof Int32Array) {
    const inner = streamingSource(sub.base);
    const indices = sub.indices;
    if (inner) return { base: inner.base, baseIndex: (i) => inner.baseIndex(indices[i]!) };
  }
  return undefined;
}
