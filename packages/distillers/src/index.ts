/**
 * @dkl/distillers: mdistiller's feature-based distillers as dkl loss terms. Each reads named
 * feature taps of the student and the frozen teacher (`context.features` /
 * `context.referenceFeatures`), may own trainable modules (FitNet's ConvReg) and state (CRD's memory bank) that the trainer
 * optimises with the student and saves in run snapshots, and adds mdistiller's hard-label CE.
 *
 * - Pure functions: {@link atLoss}, {@link pktLoss}, {@link spLoss}, {@link rkdLoss},
 *   {@link nstLoss}, {@link fitnetLoss}, {@link vidLoss}, {@link hclLoss}, {@link contrastLoss}, {@link kdsvdLoss}, {@link ofdFeatureLoss}, {@link ofdMargins}.
 * - {@link distillersModule}: binds the `fitnet`, `at`, `rkd`, `pkt`, `sp`, `vid`, `nst`, `reviewkd`, `crd`, `kdsvd` and `ofd` losses.
 *
 * @packageDocumentation
 */
export { atLoss, singleStageAtLoss, atDefinition } from './at.js';
export { pktLoss, pktDefinition } from './pkt.js';
export { spLoss, spDefinition } from './sp.js';
export { rkdLoss, rkdDefinition, type RkdOptions } from './rkd.js';
export { nstLoss, singleStageNstLoss, nstDefinition } from './nst.js';
export { fitnetLoss, fitnetDefinition } from './fitnet.js';
export { vidLoss, vidDefinition, type VidRegressor } from './vid.js';
export { hclLoss, Abf, reviewkdDefinition } from './reviewkd.js';
export { kdsvdLoss, kdsvdDefinition } from './kdsvd.js';
export { ofdFeatureLoss, ofdMargins, ofdDefinition } from './ofd.js';
export { contrastLoss, ContrastMemory, crdDefinition } from './crd.js';
export { ContrastSampler, type ContrastMode } from './common/contrast-sampler.js';
export { ConvReg } from './common/conv-reg.js';
export { adaptiveAvgPool2d, l2Normalize } from './common/tensor-ops.js';
export { featureTerm, type FeatureTermSpec } from './common/feature-term.js';
export { distillersModule, distillerDefinitions } from './distillers-module.js';
export const PACKAGE_NAME = '@dkl/distillers';
