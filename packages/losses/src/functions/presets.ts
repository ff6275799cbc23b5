import { DECOUPLED_KL_DEFAULTS, type DecoupledKLOptions, type ResolvedDecoupledKLOptions } from './decoupled-kl.js';

/*
 * Presets reproduce the authors' released settings (see paper-notes §5). Each returns a fresh,
 * fully specified options object; `overrides` replace individual fields.
 * Reminder of the name clash: softLabelWeight = code ALPHA = paper β; wmseWeight = code BETA = paper α.
 */

function preset(base: Partial<ResolvedDecoupledKLOptions>, overrides: DecoupledKLOptions): ResolvedDecoupledKLOptions {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...DECOUPLED_KL_DEFAULTS, ...base, ...defined } as ResolvedDecoupledKLOptions;
}

/**
 * Plain DKL (Theorem 1 of the NeurIPS paper): `symmetric: false`, T = 1, weights
 * `softmax(reference)`, both term weights 1. Its gradients equal KL's; use it as a control.
 * Set `referenceGradient: true` in adversarial training (then it matches TRADES' KL gradients).
 */
export function dklOptions(overrides: DecoupledKLOptions = {}): ResolvedDecoupledKLOptions {
  return preset({ symmetric: false }, overrides);
}

/**
 * IKL for knowledge distillation, as in the released CIFAR-100 configs
 * (`configs/cifar100/ikl_kd/*.yaml`): T = 4, softLabelWeight (ALPHA) 1, wmseWeight (BETA) 8
 * (the resnet32x4 → resnet8x4 value; other pairs use 4 or 12), weightTemperature (T2) 100,
 * gamma 1, `'batch'` normalisation, symmetric (BA on), no reference gradient (frozen teacher).
 * The released CIFAR configs run without the class prior (GI off, hence weights
 * `softmax(teacher / 100)`); ImageNet configs use GI with T2 = 1, T = 1, ALPHA 1, BETA 0.5 (R34→R18).
 * The plugin's warm-up for this setting is 20 epochs and the hard-label CE weight 1.
 */
export function iklKdOptions(overrides: DecoupledKLOptions = {}): ResolvedDecoupledKLOptions {
  return preset({ temperature: 4, softLabelWeight: 1, wmseWeight: 8, weightTemperature: 100 }, overrides);
}

/**
 * GKL for knowledge distillation, as in the released CIFAR-100 GKL config for
 * resnet32x4 → resnet8x4: T = 4, softLabelWeight (ALPHA) 1, wmseWeight (BETA) 16, gamma 0.05,
 * weightTemperature (T2) 4, `'weights'` normalisation (divide by the total pair weight), symmetric.
 * That config uses the class prior (GI on), passed as `classWeights`.
 */
export function gklKdOptions(overrides: DecoupledKLOptions = {}): ResolvedDecoupledKLOptions {
  return preset(
    { temperature: 4, softLabelWeight: 1, wmseWeight: 16, gamma: 0.05, weightTemperature: 4, normalization: 'weights' },
    overrides,
  );
}

/**
 * IKL adversarial training (CIFAR-100, the paper's "α/4 = 5, β = 5" run = code `--alpha 5 --beta 20`):
 * T = 1 in the CE term, softLabelWeight (ALPHA) 5, wmseWeight (BETA) 20, weightTemperature 4 (the
 * prior's temperature `--T`; used for the fallback weights when no class prior is given),
 * symmetric, and gradient into the natural (reference) logits. The class prior is passed as
 * `classWeights`; no warm-up.
 */
export function iklAtOptions(overrides: DecoupledKLOptions = {}): ResolvedDecoupledKLOptions {
  return preset(
    { temperature: 1, softLabelWeight: 5, wmseWeight: 20, weightTemperature: 4, referenceGradient: true },
    overrides,
  );
}
