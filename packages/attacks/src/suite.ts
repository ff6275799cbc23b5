import type * as tf from '@tensorflow/tfjs';
import { ArgumentError } from '@dkl/core';
import { apgd } from './apgd.js';
import { fab } from './fab.js';
import type { ForwardFn } from './forward.js';
import type { Norm } from './project.js';
import { square } from './square.js';

/** Attacks AutoAttack can run by name (`fab` is the untargeted FAB of the `plus` version). */
export const AUTO_ATTACK_NAMES = ['apgd-ce', 'apgd-dlr', 'apgd-t', 'fab', 'fab-t', 'square'] as const;
/** Name of an attack of the AutoAttack suite. */
export type AutoAttackName = (typeof AUTO_ATTACK_NAMES)[number];

/** AutoAttack's standard suite, in order. */
export const STANDARD_ATTACKS: readonly AutoAttackName[] = ['apgd-ce', 'apgd-t', 'fab-t', 'square'];

/** Budgets of the suite; defaults are AutoAttack's standard version. */
export interface SuiteBudget {
  /** APGD iterations (default 100). */
  readonly apgdSteps?: number;
  /** Target classes of APGD-T and FAB-T (default 9). */
  readonly nTargetClasses?: number;
  /** FAB iterations (default 100). */
  readonly fabSteps?: number;
  /** Square queries (default 5000). */
  readonly squareQueries?: number;
  /** Restarts of APGD-CE / APGD-DLR (default 1 in the standard version). */
  readonly apgdRestarts?: number;
  /** Restarts of APGD-T per target class (default 1). */
  readonly apgdTRestarts?: number;
  /** Restarts of FAB and FAB-T (per target class) (default 1 in the standard version). */
  readonly fabRestarts?: number;
  /** Restarts of Square (default 1). */
  readonly squareRestarts?: number;
  /** EOT passes per APGD-CE / APGD-DLR gradient (default 1; 20 in the `rand` version). */
  readonly eotIter?: number;
}

/** The AutoAttack versions of the reference (fra31/auto-attack `AutoAttack.set_version`). */
export type AutoAttackVersion = 'standard' | 'plus' | 'rand';

/**
 * Attacks and settings of each version, as the reference's `set_version`: `standard` runs each
 * attack once; `plus` adds APGD-DLR and untargeted FAB with 5 restarts (FAB-T too: the reference
 * shares the FAB object) and Square; `rand` runs APGD-CE and APGD-DLR with EOT over 20 passes for
 * randomised defences.
 */
export const AUTO_ATTACK_VERSIONS: Readonly<Record<AutoAttackVersion, { readonly attacks: readonly AutoAttackName[]; readonly budget: Required<SuiteBudget> }>> = {
  standard: {
    attacks: STANDARD_ATTACKS,
    budget: { apgdSteps: 100, nTargetClasses: 9, fabSteps: 100, squareQueries: 5000, apgdRestarts: 1, apgdTRestarts: 1, fabRestarts: 1, squareRestarts: 1, eotIter: 1 },
  },
  plus: {
    attacks: ['apgd-ce', 'apgd-dlr', 'fab', 'square', 'apgd-t', 'fab-t'],
    budget: { apgdSteps: 100, nTargetClasses: 9, fabSteps: 100, squareQueries: 5000, apgdRestarts: 5, apgdTRestarts: 1, fabRestarts: 5, squareRestarts: 1, eotIter: 1 },
  },
  rand: {
    attacks: ['apgd-ce', 'apgd-dlr'],
    budget: { apgdSteps: 100, nTargetClasses: 9, fabSteps: 100, squareQueries: 5000, apgdRestarts: 1, apgdTRestarts: 1, fabRestarts: 1, squareRestarts: 1, eotIter: 20 },
  },
};

export function checkAttackName(name: string, key = 'attacks'): asserts name is AutoAttackName {
  if (!(AUTO_ATTACK_NAMES as readonly string[]).includes(name)) {
    throw new ArgumentError(key, `unknown attack '${name}' (known: ${AUTO_ATTACK_NAMES.join(', ')})`);
  }
}

/** Settings of one suite attack call. */
export type SuiteSettings = { readonly norm: Norm; readonly eps: number; readonly seed: string } & SuiteBudget;

/** How each suite attack runs with the suite's budget (the reference's `run_standard_evaluation` calls). */
const SUITE_ATTACKS: Readonly<Record<AutoAttackName, (forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, s: SuiteSettings) => tf.Tensor>> = {
  'apgd-ce': (forward, x, y, s) =>
    apgd(forward, x, y, { norm: s.norm, eps: s.eps, steps: s.apgdSteps ?? 100, loss: 'ce', restarts: s.apgdRestarts ?? 1, eotIter: s.eotIter ?? 1, seed: s.seed }),
  'apgd-dlr': (forward, x, y, s) =>
    apgd(forward, x, y, { norm: s.norm, eps: s.eps, steps: s.apgdSteps ?? 100, loss: 'dlr', restarts: s.apgdRestarts ?? 1, eotIter: s.eotIter ?? 1, seed: s.seed }),
  'apgd-t': (forward, x, y, s) =>
    apgd(forward, x, y, { norm: s.norm, eps: s.eps, steps: s.apgdSteps ?? 100, loss: 'dlr', targeted: true, nTargetClasses: s.nTargetClasses ?? 9, restarts: s.apgdTRestarts ?? 1, seed: s.seed }),
  fab: (forward, x, y, s) =>
    fab(forward, x, y, { norm: s.norm, eps: s.eps, steps: s.fabSteps ?? 100, targeted: false, restarts: s.fabRestarts ?? 1, seed: s.seed }),
  'fab-t': (forward, x, y, s) =>
    fab(forward, x, y, { norm: s.norm, eps: s.eps, steps: s.fabSteps ?? 100, nTargetClasses: s.nTargetClasses ?? 9, restarts: s.fabRestarts ?? 1, seed: s.seed }),
  square: (forward, x, y, s) =>
    square(forward, x, y, { norm: s.norm, eps: s.eps, queries: s.squareQueries ?? 5000, restarts: s.squareRestarts ?? 1, seed: s.seed }),
};

/** Runs one named attack of the suite on a batch; returns the adversarial batch (caller disposes). */
export function runSuiteAttack(name: AutoAttackName, forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, settings: SuiteSettings): tf.Tensor {
  checkAttackName(name, 'attack');
  return SUITE_ATTACKS[name](forward, x, y, settings);
}
