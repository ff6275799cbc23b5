import * as tf from '@tensorflow/tfjs';
import { ArgumentError } from '@dkl/core';
import { checkedFlags, runAttackPlan, type AttackPlan, type AttackPlanResult, type AttackRunOptions } from './attack-plan.js';
import { checkRandomized, checkSoftmaxOutput, checkSquareStronger, checkZeroGradients, type WarningHandler } from './checks.js';
import { asForward, type AttackModel, type ForwardFn } from './forward.js';
import type { Norm } from './project.js';
import { AUTO_ATTACK_VERSIONS, checkAttackName, runSuiteAttack, type AutoAttackName, type AutoAttackVersion, type SuiteBudget } from './suite.js';

/** Options of {@link autoAttack} (the reference's sanity checks run unless `checks: false`). */
export interface AutoAttackOptions extends SuiteBudget, AttackRunOptions<AutoAttackName> {
  /**
   * `'standard'` (APGD-CE, APGD-T, FAB-T, Square; default), `'plus'` (APGD-CE, APGD-DLR, FAB,
   * Square, APGD-T, FAB-T with the reference's restarts), `'rand'` (APGD-CE and APGD-DLR with EOT
   * over 20 passes) or `'custom'` (runs `attacks` with the standard budgets).
   */
  readonly version?: AutoAttackVersion | 'custom';
  /** Attacks for the custom version, in order; ignored by the others (as in the reference). */
  readonly attacks?: readonly AutoAttackName[];
}

/** Result of {@link autoAttack}; `robustAccuracy` is the AutoAttack robust accuracy. */
export type AutoAttackResult = AttackPlanResult<AutoAttackName>;

/**
 * AutoAttack (Croce & Hein 2020; fra31/auto-attack `run_standard_evaluation`) robust evaluation.
 * Runs the version's attacks in order, each only on the points still classified correctly, and
 * reports clean accuracy and the robust accuracy after each attack. Before attacking it runs the
 * reference's sanity checks (randomised outputs, except for `rand`; softmax outputs; zero input
 * gradients; too few classes) and afterwards warns when the black-box Square attack beat every
 * white-box attack. Every adversarial point is checked to lie in the threat model. With
 * `statePath` the state is written after every batch and a later call resumes it.
 *
 * `model` is a forward function (NHWC in [0, 1] to logits) or a ClassifierModel, run with
 * `training: false`. No tensors are left behind.
 */
export async function autoAttack(model: AttackModel, x: tf.Tensor, y: tf.Tensor, options: AutoAttackOptions): Promise<AutoAttackResult> {
  const forward = asForward(model);
  const warn = options.onWarning ?? ((message: string) => console.warn(`[autoattack] ${message}`));
  const plan = autoAttackPlan(options, { eps: options.eps, norm: options.norm }, warn);
  const result = await runAttackPlan(forward, x, y, plan, {
    norm: options.norm,
    eps: options.eps,
    onWarning: warn,
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.statePath ? { statePath: options.statePath } : {}),
    ...(options.checks !== undefined ? { checks: options.checks } : {}),
    ...(options.onAttackEnd ? { onAttackEnd: options.onAttackEnd as (a: string, r: number, resumed: boolean) => void } : {}),
    ...(options.onBatchEnd ? { onBatchEnd: options.onBatchEnd as (a: string, b: number, n: number) => void } : {}),
  });
  if (options.checks !== false) checkSquareStronger(result.perAttack, warn);
  return { ...result, resumed: result.resumed as AutoAttackName[] };
}

/**
 * The AutoAttack plan of a version: its attacks with the version's budgets (overridden by the
 * budgets given in `options`), each checked to stay in the threat model, and the sanity checks.
 */
export function autoAttackPlan(options: Omit<AutoAttackOptions, 'norm' | 'eps'>, threat: { readonly eps: number; readonly norm: Norm }, warn: WarningHandler): AttackPlan {
  const version = options.version ?? 'standard';
  const base = version === 'custom' ? AUTO_ATTACK_VERSIONS.standard : AUTO_ATTACK_VERSIONS[version];
  if (!base) throw new ArgumentError('version', `must be 'standard', 'plus', 'rand' or 'custom', got ${String(version)}`);
  const attacks = resolveAttacks(options, base.attacks, version, warn);
  const budget: { -readonly [K in keyof SuiteBudget]-?: number } = { ...base.budget };
  for (const key of Object.keys(budget) as (keyof SuiteBudget)[]) {
    const value = options[key];
    if (value !== undefined) {
      if (!Number.isInteger(value) || value < 1) throw new ArgumentError(key, `must be an integer >= 1, got ${value}`);
      budget[key] = value;
    }
  }
  const stages = attacks.map((name) => ({
    name,
    robustFlags: async (forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, seed: string) =>
      checkedFlags(forward, x, y, runSuiteAttack(name, forward, x, y, { ...budget, norm: threat.norm, eps: threat.eps, seed }), threat.eps, threat.norm, name),
  }));
  return {
    stages,
    settings: { version, ...budget },
    checks: (forward, x, y, onWarning) => {
      if (version !== 'rand') checkRandomized(forward, x, onWarning);
      checkSoftmaxOutput(forward, x, onWarning);
      checkZeroGradients(forward, x, y, onWarning);
      const numClasses = tf.tidy(() => forward(x.slice([0, 0, 0, 0], [1, -1, -1, -1])).shape[1]!);
      const targeted = attacks.filter((a) => a === 'apgd-t' || a === 'fab-t');
      if (targeted.length > 0 && numClasses - 1 < budget.nTargetClasses) {
        onWarning(`${targeted.join(' and ')} use ${budget.nTargetClasses} target classes but the model has ${numClasses} classes: using ${numClasses - 1}`);
      }
    },
  };
}

function resolveAttacks(options: Omit<AutoAttackOptions, 'norm' | 'eps'>, versionAttacks: readonly AutoAttackName[], version: string, warn: WarningHandler): AutoAttackName[] {
  if (version === 'custom') {
    if (!options.attacks || options.attacks.length === 0) throw new ArgumentError('attacks', "must list at least one attack for version 'custom'");
    options.attacks.forEach((a, i) => checkAttackName(a, `attacks[${i}]`));
    if (new Set(options.attacks).size !== options.attacks.length) throw new ArgumentError('attacks', `lists an attack twice: ${options.attacks.join(', ')}`);
    return [...options.attacks];
  }
  if (options.attacks && options.attacks.length > 0 && options.attacks.join() !== versionAttacks.join()) {
    warn(`version '${version}' runs ${versionAttacks.join(', ')}; the given attacks (${options.attacks.join(', ')}) are ignored: use version 'custom' to choose`);
  }
  return [...versionAttacks];
}
