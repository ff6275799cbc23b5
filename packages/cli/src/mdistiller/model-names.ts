/**
 * mdistiller's model names (`cifar_model_dict`, `imagenet_model_dict`) mapped to @dkl/models'
 * registered architectures, and where the released teacher checkpoints live.
 */
import { ConfigError } from '@dkl/core';
import { DEFAULT_CIFAR_TEACHER_DIR, DEFAULT_IMAGENET_TEACHER_DIR } from '../presets/data-blocks.js';

/** mdistiller CIFAR-100 name -> dkl architecture name. */
export const CIFAR_MODEL_NAMES: Readonly<Record<string, string>> = {
  resnet8: 'resnet8',
  resnet14: 'resnet14',
  resnet20: 'resnet20',
  resnet32: 'resnet32',
  resnet44: 'resnet44',
  resnet56: 'resnet56',
  resnet110: 'resnet110',
  resnet8x4: 'resnet8x4',
  resnet32x4: 'resnet32x4',
  ResNet18: 'ResNet18',
  ResNet50: 'ResNet50',
  wrn_16_1: 'wrn_16_1',
  wrn_16_2: 'wrn_16_2',
  wrn_40_1: 'wrn_40_1',
  wrn_40_2: 'wrn_40_2',
  vgg8: 'vgg8_bn',
  vgg11: 'vgg11_bn',
  vgg13: 'vgg13_bn',
  vgg16: 'vgg16_bn',
  vgg19: 'vgg19_bn',
  MobileNetV2: 'mobile_half',
  ShuffleV1: 'ShuffleV1',
  ShuffleV2: 'ShuffleV2',
};

/** The CIFAR-100 teachers of the mdistiller release (`cifar_teachers/<name>_vanilla/ckpt_epoch_240.pth`). */
export const CIFAR_RELEASED_TEACHERS = ['resnet56', 'resnet110', 'resnet32x4', 'ResNet50', 'wrn_40_2', 'vgg13'] as const;

/** mdistiller ImageNet name -> dkl architecture name. */
export const IMAGENET_MODEL_NAMES: Readonly<Record<string, string>> = {
  ResNet18: 'imagenet_resnet18',
  ResNet34: 'imagenet_resnet34',
  ResNet50: 'imagenet_resnet50',
  MobileNetV1: 'MobileNetV1',
};

/** torchvision checkpoint file names of the ImageNet teachers (`pretrained=True` in mdistiller). */
export const IMAGENET_TEACHER_FILES: Readonly<Record<string, string>> = {
  ResNet18: 'resnet18-5c106cde.pth',
  ResNet34: 'resnet34-333f7ec4.pth',
  ResNet50: 'resnet50-19c8e357.pth',
};

export type MdistillerDataset = 'cifar100' | 'imagenet';

/** The dkl architecture for an mdistiller model name; `keyPath` names the config key on error. */
export function dklModelName(dataset: MdistillerDataset, name: string, keyPath: string): string {
  const table = dataset === 'cifar100' ? CIFAR_MODEL_NAMES : IMAGENET_MODEL_NAMES;
  const mapped = table[name];
  if (!mapped) throw new ConfigError(keyPath, `unknown ${dataset} model '${name}'; known: ${Object.keys(table).join(', ')}`);
  return mapped;
}

/**
 * The released teacher checkpoint of an mdistiller teacher name under `dir`
 * (default `pretrained/cifar_teachers` for CIFAR-100, `pretrained/imagenet_teachers` for ImageNet).
 */
export function teacherWeightsPath(dataset: MdistillerDataset, name: string, keyPath: string, dir?: string): string {
  if (dataset === 'cifar100') {
    if (!(CIFAR_RELEASED_TEACHERS as readonly string[]).includes(name)) {
      throw new ConfigError(keyPath, `'${name}' has no released CIFAR-100 teacher checkpoint; released teachers: ${CIFAR_RELEASED_TEACHERS.join(', ')}`);
    }
    return `${dir ?? DEFAULT_CIFAR_TEACHER_DIR}/${name}_vanilla/ckpt_epoch_240.pth`;
  }
  const file = IMAGENET_TEACHER_FILES[name];
  if (!file) throw new ConfigError(keyPath, `'${name}' has no pretrained ImageNet teacher; known: ${Object.keys(IMAGENET_TEACHER_FILES).join(', ')}`);
  return `${dir ?? DEFAULT_IMAGENET_TEACHER_DIR}/${file}`;
}
