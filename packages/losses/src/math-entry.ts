/**
 * `@dkl/losses/math`: the pure loss functions alone, importable without dependency injection,
 * zod or rxjs (only @tensorflow/tfjs and @dkl/core's error classes are loaded), for users who
 * want `decoupledKL` in their own training loop.
 *
 * @packageDocumentation
 */
export { crossEntropy, type CrossEntropyOptions } from './functions/cross-entropy.js';
export { kdLoss, type KdLossOptions } from './functions/kd-loss.js';
export {
  decoupledKL,
  resolveDecoupledKLOptions,
  DECOUPLED_KL_DEFAULTS,
  type DecoupledKLOptions,
  type ResolvedDecoupledKLOptions,
  type WmseNormalization,
} from './functions/decoupled-kl.js';
export { dklOptions, iklKdOptions, gklKdOptions, iklAtOptions } from './functions/presets.js';
export { dkdLoss, type DkdLossOptions } from './functions/dkd-loss.js';
export { tradesLoss, type TradesLossOptions } from './functions/trades-loss.js';
export { classPriorWeights } from './functions/class-prior-weights.js';
export { probabilityMse } from './functions/probability-mse.js';
