/**
 * @dkl/losses: KL-family losses over TensorFlow.js logits and their loss plugins.
 *
 * - Pure functions: {@link crossEntropy}, {@link kdLoss}, {@link decoupledKL} (DKL / IKL / GKL,
 *   O(B·C)), {@link dkdLoss}, {@link tradesLoss}, {@link classPriorWeights}, and the presets
 *   {@link dklOptions}, {@link iklKdOptions}, {@link gklKdOptions}, {@link iklAtOptions}.
 * - {@link lossesModule}: binds the `ce`, `kd`, `dkl`, `ikl`, `gkl`, `dkd` and `trades` loss plugins.
 *
 * Name mapping: `softLabelWeight` = the authors' code ALPHA = the paper's β;
 * `wmseWeight` = code BETA = paper α.
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
export {
  hasLossParts,
  warmupFactor,
  type LossParts,
  type DecomposableLossTerm,
  type CeTarget,
} from './plugins/loss-parts.js';
export { crossEntropyLossDefinition } from './plugins/ce-plugin.js';
export { kdLossDefinition } from './plugins/kd-plugin.js';
export { dkdLossDefinition } from './plugins/dkd-plugin.js';
export { tradesLossDefinition } from './plugins/trades-plugin.js';
export { decoupledKLLossDefinition, type DecoupledKLPluginOptions } from './plugins/decoupled-kl-plugins.js';
export { lossesModule } from './losses-module.js';
