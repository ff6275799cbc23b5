/**
 * Data, optimiser and plugin blocks shared by the presets and the mdistiller mapping, written
 * from the authors' data pipelines (paper-notes §6).
 */
import type { TransformSpecInput } from '@dkl/data';
import type { RunConfigInput } from '../config/run-config.js';

type DataConfigInput = RunConfigInput['data'];
type Transform = TransformSpecInput;

/** Default directory of the extracted CIFAR-100 binary archive. */
export const DEFAULT_CIFAR100_DIR = 'data/cifar-100-binary';
/** Default directory of the extracted CIFAR-10 binary archive. */
export const DEFAULT_CIFAR10_DIR = 'data/cifar-10-batches-bin';
/** Default ImageNet root with `train/` and `val/` class folders. */
export const DEFAULT_IMAGENET_DIR = 'data/imagenet';
/** Where the mdistiller CIFAR-100 teacher release is unpacked. */
export const DEFAULT_CIFAR_TEACHER_DIR = 'pretrained/cifar_teachers';
/** Where torchvision's ImageNet teacher weights are kept. */
export const DEFAULT_IMAGENET_TEACHER_DIR = 'pretrained/imagenet_teachers';

/** mdistiller's CIFAR-100 normalisation (dataset/cifar100.py). */
export const CIFAR100_MEAN = [0.5071, 0.4867, 0.4408] as const;
export const CIFAR100_STD = [0.2675, 0.2565, 0.2761] as const;
/** torchvision's ImageNet normalisation. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

const normalize = (mean: readonly number[], std: readonly number[]): Transform => ({ kind: 'normalize', mean: [...mean], std: [...std] });

/** RandomCrop(32, padding=4) + RandomHorizontalFlip + Normalize (the KD recipe). */
export function cifar100KdTransforms(): { train: Transform[]; test: Transform[] } {
  return {
    train: [{ kind: 'random-crop', padding: 4 }, { kind: 'random-flip' }, normalize(CIFAR100_MEAN, CIFAR100_STD)],
    test: [normalize(CIFAR100_MEAN, CIFAR100_STD)],
  };
}

/** CIFAR-100 KD data: shuffled training batches, the test split evaluated as `test`. */
export function cifar100KdData(options: { dir?: string; batchSize: number; testBatchSize: number }): DataConfigInput {
  const t = cifar100KdTransforms();
  return {
    dataset: { name: 'cifar100', options: { dir: options.dir ?? DEFAULT_CIFAR100_DIR } },
    train: { split: 'train', batchSize: options.batchSize, shuffle: true, dropLast: false, transforms: t.train },
    eval: { test: { split: 'test', batchSize: options.testBatchSize, transforms: t.test } },
  };
}

/**
 * ImageNet KD data streamed from class folders (images of any size): torchvision's recipe,
 * RandomResizedCrop(224) + RandomHorizontalFlip for training, Resize(256) + CenterCrop(224) for
 * evaluation, then Normalize.
 */
export function imagenetKdData(options: { dir?: string; batchSize: number; testBatchSize: number }): DataConfigInput {
  return {
    dataset: { name: 'image-folder', options: { root: options.dir ?? DEFAULT_IMAGENET_DIR, channels: 3 } },
    train: {
      split: 'train',
      batchSize: options.batchSize,
      shuffle: true,
      dropLast: false,
      transforms: [{ kind: 'random-resized-crop', size: 224 }, { kind: 'random-flip' }, normalize(IMAGENET_MEAN, IMAGENET_STD)],
    },
    eval: { val: { split: 'val', batchSize: options.testBatchSize, transforms: [{ kind: 'resize', size: 256 }, { kind: 'center-crop', size: 224 }, normalize(IMAGENET_MEAN, IMAGENET_STD)] } },
  };
}

/** Adversarial-training data: crop (pad 4) + flip, inputs in [0, 1] with no mean/std normalisation. */
export function cifarAtData(dataset: 'cifar10' | 'cifar100', options: { dir?: string; batchSize?: number } = {}): DataConfigInput {
  const dir = options.dir ?? (dataset === 'cifar10' ? DEFAULT_CIFAR10_DIR : DEFAULT_CIFAR100_DIR);
  const batchSize = options.batchSize ?? 128;
  return {
    dataset: { name: dataset, options: { dir } },
    train: { split: 'train', batchSize, shuffle: true, dropLast: false, transforms: [{ kind: 'random-crop', padding: 4 }, { kind: 'random-flip' }, { kind: 'to-float' }] },
    eval: { test: { split: 'test', batchSize, transforms: [{ kind: 'to-float' }] } },
  };
}

/** Plugins every preset run gets: metrics files, last + best-by-`split`-top1 checkpoints. */
export function standardPlugins(split: string, checkpointEvery = 0): NonNullable<RunConfigInput['plugins']> {
  return [
    { name: 'metrics-log', options: {} },
    { name: 'checkpoint', options: { archiveEvery: checkpointEvery, saveLast: true, best: { split, metric: 'top1', mode: 'max' } } },
  ];
}
