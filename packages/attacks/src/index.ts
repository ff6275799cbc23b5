/**
 * @dkl/attacks: adversarial attacks and robust evaluation for TensorFlow.js classifiers.
 *
 * - Attacks as pure, seeded functions of a forward function (NHWC in [0, 1] to logits):
 *   {@link fgsm}, {@link pgd} (L-inf / L2, restarts, targeted, any loss), {@link apgd}
 *   (APGD-CE / APGD-DLR / APGD-T, EOT), {@link fab} (FAB / FAB-T), {@link square} (L-inf / L2).
 * - {@link autoAttack}: AutoAttack standard / plus / rand with sanity checks and a state file
 *   resumable batch by batch ({@link runAttackPlan} runs any attack that way).
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
export { projectOntoHyperplaneLinf, projectOntoHyperplaneL2 } from './fab-projection.js';
export { square, squareP, type SquareOptions } from './square.js';
export { etaRectangles, metaPseudoGaussianPert, squareL2Side } from './square-l2.js';
export { checkRandomized, checkSoftmaxOutput, checkZeroGradients, checkSquareStronger, type WarningHandler } from './checks.js';
export { autoAttack, autoAttackPlan, type AutoAttackOptions, type AutoAttackResult } from './auto-attack.js';
export { AUTO_ATTACK_NAMES, AUTO_ATTACK_VERSIONS, STANDARD_ATTACKS, runSuiteAttack, type AutoAttackName, type AutoAttackVersion, type SuiteBudget, type SuiteSettings } from './suite.js';
export { readState, writeState, type AutoAttackState } from './state-file.js';
export { runAttackPlan, checkedFlags, type AttackPlan, type AttackStage, type AttackPlanResult, type AttackRunOptions, type RunAttackPlanOptions } from './attack-plan.js';
export {
  RobustEvalPlugin,
  resolveAttack,
  type RobustEvalAttack,
  type RobustEvalData,
  type RobustEvalOptions,
  type RobustEvalResult,
} from './robust-eval-plugin.js';
export { attacksModule, robustEvalPluginDefinition, robustEvalSchema, RobustEvalDataSource, AttackDefinitions } from './attacks-module.js';
export { AttackDefinition, attackPlanOf, defineAttack, flagsOf, type ThreatModel } from './attack-definition.js';
export { builtinAttacks } from './builtin-attacks.js';
