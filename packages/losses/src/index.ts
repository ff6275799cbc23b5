/**
 * @dkl/losses: KL-family losses over TensorFlow.js logits and their loss plugins.
 *
 * - Pure functions: {@link crossEntropy}, {@link kdLoss}, {@link decoupledKL} (DKL / IKL / GKL,
 *   O(B·C)), {@link dkdLoss}, {@link tradesLoss}, {@link probabilityMse}, {@link classPriorWeights}, and the presets
 *   {@link dklOptions}, {@link iklKdOptions}, {@link gklKdOptions}, {@link iklAtOptions}.
 * - {@link lossesModule}: binds the `ce`, `kd`, `dkl`, `ikl`, `gkl`, `dkd`, `trades` and `prob-mse` loss plugins.
 *
 * Name mapping: `softLabelWeight` = the authors' code ALPHA = the paper's β;
 * `wmseWeight` = code BETA = paper α.
 *
 * @packageDocumentation
 */
export * from './math-entry.js'; // the pure functions, also importable alone as '@dkl/losses/math'
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
export { probabilityMseLossDefinition } from './plugins/probability-mse-plugin.js';
export { decoupledKLLossDefinition, type DecoupledKLPluginOptions } from './plugins/decoupled-kl-plugins.js';
export { lossesModule } from './losses-module.js';
