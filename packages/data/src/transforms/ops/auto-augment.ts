/**
 * `auto-augment` = torchvision's `AutoAugment(policy)` with its ImageNet, CIFAR-10 and SVHN
 * policies: per image one of the policy's 25 sub-policies is drawn uniformly; each of its two
 * (op, probability, magnitude level) steps runs when a uniform draw is <= its probability, at
 * the level's magnitude on torchvision's 10-bin AutoAugment space (RandAugment's ranges: shear
 * 0.3, translate 150/331 of the image side, rotate 30 degrees, colour ops 0.9, posterize
 * 8 - round(level / 2.25) bits, solarize 255 -> 0), negated when its sign draw is 0 for signed
 * ops. Nearest interpolation, zero fill (torchvision's defaults).
 */
import { z } from 'zod';
import { invert } from '../color.js';
import { defineImageTransform } from '../definition.js';
import { UNIFORM_SCALE, uniformParam, type ImageBuffer } from '../image-buffer.js';
import { applyOp, opSpace, type AugmentOp } from './augment-ops.js';

/** The number of magnitude levels of AutoAugment's space (torchvision `_augmentation_space(10, ...)`). */
export const AUTO_AUGMENT_BINS = 10;

export type AutoAugmentOp = Exclude<AugmentOp, 'Identity'> | 'Invert';
/** One step of a sub-policy: op, probability of applying it, magnitude level (null: the op has none). */
export type AutoAugmentStep = readonly [op: AutoAugmentOp, probability: number, level: number | null];
export type AutoAugmentPolicyName = 'imagenet' | 'cifar10' | 'svhn';

type SubPolicy = readonly [AutoAugmentStep, AutoAugmentStep];

/** The sub-policies of AutoAugment (Cubuk et al. 2019, appendix), in torchvision's order. */
export const AUTO_AUGMENT_POLICIES: Readonly<Record<AutoAugmentPolicyName, readonly SubPolicy[]>> = {
  imagenet: [
    [['Posterize', 0.4, 8], ['Rotate', 0.6, 9]],
    [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]],
    [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
    [['Posterize', 0.6, 7], ['Posterize', 0.6, 6]],
    [['Equalize', 0.4, null], ['Solarize', 0.2, 4]],
    [['Equalize', 0.4, null], ['Rotate', 0.8, 8]],
    [['Solarize', 0.6, 3], ['Equalize', 0.6, null]],
    [['Posterize', 0.8, 5], ['Equalize', 1.0, null]],
    [['Rotate', 0.2, 3], ['Solarize', 0.6, 8]],
    [['Equalize', 0.6, null], ['Posterize', 0.4, 6]],
    [['Rotate', 0.8, 8], ['Color', 0.4, 0]],
    [['Rotate', 0.4, 9], ['Equalize', 0.6, null]],
    [['Equalize', 0.0, null], ['Equalize', 0.8, null]],
    [['Invert', 0.6, null], ['Equalize', 1.0, null]],
    [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
    [['Rotate', 0.8, 8], ['Color', 1.0, 2]],
    [['Color', 0.8, 8], ['Solarize', 0.8, 7]],
    [['Sharpness', 0.4, 7], ['Invert', 0.6, null]],
    [['ShearX', 0.6, 5], ['Equalize', 1.0, null]],
    [['Color', 0.4, 0], ['Equalize', 0.6, null]],
    [['Equalize', 0.4, null], ['Solarize', 0.2, 4]],
    [['Solarize', 0.6, 5], ['AutoContrast', 0.6, null]],
    [['Invert', 0.6, null], ['Equalize', 1.0, null]],
    [['Color', 0.6, 4], ['Contrast', 1.0, 8]],
    [['Equalize', 0.8, null], ['Equalize', 0.6, null]],
  ],
  cifar10: [
    [['Invert', 0.1, null], ['Contrast', 0.2, 6]],
    [['Rotate', 0.7, 2], ['TranslateX', 0.3, 9]],
    [['Sharpness', 0.8, 1], ['Sharpness', 0.9, 3]],
    [['ShearY', 0.5, 8], ['TranslateY', 0.7, 9]],
    [['AutoContrast', 0.5, null], ['Equalize', 0.9, null]],
    [['ShearY', 0.2, 7], ['Posterize', 0.3, 7]],
    [['Color', 0.4, 3], ['Brightness', 0.6, 7]],
    [['Sharpness', 0.3, 9], ['Brightness', 0.7, 9]],
    [['Equalize', 0.6, null], ['Equalize', 0.5, null]],
    [['Contrast', 0.6, 7], ['Sharpness', 0.6, 5]],
    [['Color', 0.7, 7], ['TranslateX', 0.5, 8]],
    [['Equalize', 0.3, null], ['AutoContrast', 0.4, null]],
    [['TranslateY', 0.4, 3], ['Sharpness', 0.2, 6]],
    [['Brightness', 0.9, 6], ['Color', 0.2, 8]],
    [['Solarize', 0.5, 2], ['Invert', 0.0, null]],
    [['Equalize', 0.2, null], ['AutoContrast', 0.6, null]],
    [['Equalize', 0.2, null], ['Equalize', 0.6, null]],
    [['Color', 0.9, 9], ['Equalize', 0.6, null]],
    [['AutoContrast', 0.8, null], ['Solarize', 0.2, 8]],
    [['Brightness', 0.1, 3], ['Color', 0.7, 0]],
    [['Solarize', 0.4, 5], ['AutoContrast', 0.9, null]],
    [['TranslateY', 0.9, 9], ['TranslateY', 0.7, 9]],
    [['AutoContrast', 0.9, null], ['Solarize', 0.8, 3]],
    [['Equalize', 0.8, null], ['Invert', 0.1, null]],
    [['TranslateY', 0.7, 9], ['AutoContrast', 0.9, null]],
  ],
  svhn: [
    [['ShearX', 0.9, 4], ['Invert', 0.2, null]],
    [['ShearY', 0.9, 8], ['Invert', 0.7, null]],
    [['Equalize', 0.6, null], ['Solarize', 0.6, 6]],
    [['Invert', 0.9, null], ['Equalize', 0.6, null]],
    [['Equalize', 0.6, null], ['Rotate', 0.9, 3]],
    [['ShearX', 0.9, 4], ['AutoContrast', 0.8, null]],
    [['ShearY', 0.9, 8], ['Invert', 0.4, null]],
    [['ShearY', 0.9, 5], ['Solarize', 0.2, 6]],
    [['Invert', 0.9, null], ['AutoContrast', 0.8, null]],
    [['Equalize', 0.6, null], ['Rotate', 0.9, 3]],
    [['ShearX', 0.9, 4], ['Solarize', 0.3, 3]],
    [['ShearY', 0.8, 8], ['Invert', 0.7, null]],
    [['Equalize', 0.9, null], ['TranslateY', 0.6, 6]],
    [['Invert', 0.9, null], ['Equalize', 0.6, null]],
    [['Contrast', 0.3, 3], ['Rotate', 0.8, 4]],
    [['Invert', 0.8, null], ['TranslateY', 0.0, 2]],
    [['ShearY', 0.7, 6], ['Solarize', 0.4, 8]],
    [['Invert', 0.6, null], ['Rotate', 0.8, 4]],
    [['ShearY', 0.3, 7], ['TranslateX', 0.9, 3]],
    [['ShearX', 0.1, 6], ['Invert', 0.6, null]],
    [['Solarize', 0.7, 2], ['TranslateY', 0.6, 7]],
    [['ShearY', 0.8, 4], ['Invert', 0.8, null]],
    [['ShearX', 0.7, 9], ['TranslateY', 0.8, 3]],
    [['ShearY', 0.8, 5], ['AutoContrast', 0.7, null]],
    [['ShearX', 0.7, 2], ['Invert', 0.1, null]],
  ],
};

export const autoAugmentSchema = z
  .object({
    kind: z.literal('auto-augment'),
    /** Which learned policy (torchvision `AutoAugmentPolicy`). */
    policy: z.enum(['imagenet', 'cifar10', 'svhn']).default('imagenet'),
  })
  .strict();
export type AutoAugmentSpec = z.output<typeof autoAugmentSchema>;

/** One step at `level` with the given sign draw (0 negates a signed op), as torchvision applies it. */
export function applyAutoAugmentStep(img: ImageBuffer, op: AutoAugmentOp, level: number | null, sign: number): ImageBuffer {
  if (op === 'Invert') return invert(img);
  const [magnitudes, signed] = opSpace(op, 'rand', AUTO_AUGMENT_BINS, img.height, img.width);
  let magnitude = magnitudes && level !== null ? magnitudes[level]! : 0;
  if (signed && sign === 0) magnitude = -magnitude;
  return applyOp(img, op, magnitude);
}

/** Parameters per image: sub-policy index, then per step a uniform (stored as int32) and a sign. */
const PARAMS = 5;

export const autoAugment = defineImageTransform<AutoAugmentSpec>({
  kind: 'auto-augment',
  description: "torchvision AutoAugment(policy): 'imagenet', 'cifar10' or 'svhn'",
  schema: autoAugmentSchema as unknown as z.ZodType<AutoAugmentSpec>,
  outShape: (_spec, s) => s,
  paramCount: () => PARAMS,
  plan: (spec, rng, params, offset) => {
    params[offset] = rng.int(AUTO_AUGMENT_POLICIES[spec.policy].length);
    params[offset + 1] = rng.int(UNIFORM_SCALE);
    params[offset + 2] = rng.int(UNIFORM_SCALE);
    params[offset + 3] = rng.int(2);
    params[offset + 4] = rng.int(2);
  },
  apply: (spec, image, params, offset) => {
    const subPolicy = AUTO_AUGMENT_POLICIES[spec.policy][params[offset]!]!;
    let img = image;
    subPolicy.forEach(([op, probability, level], i) => {
      if (uniformParam(params[offset + 1 + i]!) <= probability) img = applyAutoAugmentStep(img, op, level, params[offset + 3 + i]!);
    });
    return img;
  },
});
