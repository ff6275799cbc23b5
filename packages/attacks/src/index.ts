/**
 * @dkl/attacks: adversarial attacks and robust evaluation for TensorFlow.js classifiers.
 *
 * - Attacks as pure, seeded functions of a forward function (NHWC in [0, 1] to logits):
 *   {@link fgsm}, {@link pgd} (L-inf / L2, restarts, targeted, any loss), {@link apgd}
 *   (APGD-CE / APGD-DLR / APGD-T), {@link fab} (FAB-T, L-inf), {@link square} (L-inf).
 * - {@link autoAttack}: the standard AutoAttack suite with sanity checks and a resumable state.
 * - Losses: {@link crossEntropyPerExample}, {@link cwLoss}, {@link dlrLoss}, {@link dlrTargetedLoss}.
 * - {@link RobustEvalPlugin} and {@link attacksModule} (binds the `robust-eval` plugin).
 *
 * @packageDocumentation
 */
export { projectLinf, projectL2, projectToThreatModel, perExampleL2, perExampleLinf, type Norm } from './project.js';
export { asForward, type ForwardFn, type AttackModel } from './forward.js';
export { crossEntropyPerExample, cwLoss, cw, dlrLoss, dlrTargetedLoss, margin, resolveLoss, type AttackLoss, type NamedLoss } from './losses.js';
export { lossAndGrad, type LossAndGrad } from './gradient.js';
export { pgd, fgsm, type PgdOptions, type FgsmOptions } from './pgd.js';
export { apgd, type ApgdOptions } from './apgd.js';
export { fab, type FabOptions } from './fab.js';
export { projectOntoHyperplaneLinf } from './fab-projection.js';
export { square, squareP, type SquareOptions } from './square.js';
export { checkRandomized, checkSoftmaxOutput, checkZeroGradients, checkSquareStronger, type WarningHandler } from './checks.js';
export { autoAttack, type AutoAttackOptions, type AutoAttackResult } from './auto-attack.js';
export { AUTO_ATTACK_NAMES, STANDARD_ATTACKS, runSuiteAttack, type AutoAttackName, type SuiteBudget } from './suite.js';
export { readState, writeState, type AutoAttackState } from './state-file.js';
export {
  RobustEvalPlugin,
  resolveAttack,
  type RobustEvalAttack,
  type RobustEvalData,
  type RobustEvalOptions,
  type RobustEvalResult,
} from './robust-eval-plugin.js';
export { attacksModule, robustEvalPluginDefinition, robustEvalSchema, RobustEvalDataSource, AttackDefinitions } from './attacks-module.js';
export { AttackDefinition, defineAttack, flagsOf, type ThreatModel } from './attack-definition.js';
export { builtinAttacks } from './builtin-attacks.js';
