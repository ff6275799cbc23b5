/**
 * The operation space of torchvision's RandAugment and TrivialAugmentWide (`_augmentation_space`):
 * each op's magnitudes for `bins` levels at a given image size, whether its sign is random, and
 * `_apply_op`.
 */
import { adjustBrightness, adjustContrast, adjustSaturation, adjustSharpness, autocontrast, equalize, posterize, solarize } from '../color.js';
import { rotate, shearX, shearY, translate } from '../affine.js';
import type { ImageBuffer } from '../image-buffer.js';

/** Names in torchvision's order (the op index parameters index this list). */
export const AUGMENT_OPS = ['Identity', 'ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate', 'Brightness', 'Color', 'Contrast', 'Sharpness', 'Posterize', 'Solarize', 'AutoContrast', 'Equalize'] as const;
export type AugmentOp = (typeof AUGMENT_OPS)[number];

const linspace = (a: number, b: number, n: number): number[] => Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
/** `8 - (arange(bins) / ((bins - 1) / k)).round().int()` (torch rounds half to even). */
const posterizeLevels = (bins: number, k: number): number[] =>
  Array.from({ length: bins }, (_, i) => {
    const x = i / ((bins - 1) / k);
    const r = Math.round(x);
    return 8 - (Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r);
  });

/** `[magnitudes or undefined, signed]` of `op` for `bins` levels on a `height` x `width` image. */
export function opSpace(op: AugmentOp, space: 'rand' | 'trivial-wide', bins: number, height: number, width: number): [number[] | undefined, boolean] {
  const wide = space === 'trivial-wide';
  switch (op) {
    case 'Identity':
    case 'AutoContrast':
    case 'Equalize':
      return [undefined, false];
    case 'ShearX':
    case 'ShearY':
      return [linspace(0, wide ? 0.99 : 0.3, bins), true];
    case 'TranslateX':
      return [linspace(0, wide ? 32 : (150 / 331) * width, bins), true];
    case 'TranslateY':
      return [linspace(0, wide ? 32 : (150 / 331) * height, bins), true];
    case 'Rotate':
      return [linspace(0, wide ? 135 : 30, bins), true];
    case 'Brightness':
    case 'Color':
    case 'Contrast':
    case 'Sharpness':
      return [linspace(0, wide ? 0.99 : 0.9, bins), true];
    case 'Posterize':
      return [posterizeLevels(bins, wide ? 6 : 4), false];
    case 'Solarize':
      return [linspace(255, 0, bins), false];
  }
}

/** torchvision's `_apply_op` (nearest interpolation, zero fill). */
export function applyOp(img: ImageBuffer, op: AugmentOp, magnitude: number): ImageBuffer {
  switch (op) {
    case 'Identity':
      return img;
    case 'ShearX':
      return shearX(img, magnitude);
    case 'ShearY':
      return shearY(img, magnitude);
    case 'TranslateX':
      return translate(img, magnitude, 0);
    case 'TranslateY':
      return translate(img, 0, magnitude);
    case 'Rotate':
      return rotate(img, magnitude);
    case 'Brightness':
      return adjustBrightness(img, 1 + magnitude);
    case 'Color':
      return adjustSaturation(img, 1 + magnitude);
    case 'Contrast':
      return adjustContrast(img, 1 + magnitude);
    case 'Sharpness':
      return adjustSharpness(img, 1 + magnitude);
    case 'Posterize':
      return posterize(img, Math.trunc(magnitude));
    case 'Solarize':
      return solarize(img, magnitude);
    case 'AutoContrast':
      return autocontrast(img);
    case 'Equalize':
      return equalize(img);
  }
}
