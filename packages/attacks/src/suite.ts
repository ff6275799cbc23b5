import type * as tf from '@tensorflow/tfjs';
import { ArgumentError } from '@dkl/core';
import { apgd } from './apgd.js';
import { fab } from './fab.js';
import type { ForwardFn } from './forward.js';
import type { Norm } from './project.js';
import { square } from './square.js';

/** Attacks AutoAttack can run by name. */
export const AUTO_ATTACK_NAMES = ['apgd-ce', 'apgd-dlr', 'apgd-t', 'fab-t', 'square'] as const;
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
}

export function checkAttackName(name: string, norm: Norm, key = 'attacks'): asserts name is AutoAttackName {
  if (!(AUTO_ATTACK_NAMES as readonly string[]).includes(name)) {
    throw new ArgumentError(key, `unknown attack '${name}' (known: ${AUTO_ATTACK_NAMES.join(', ')})`);
  }
  if (norm === 'l2' && (name === 'fab-t' || name === 'square')) {
    throw new ArgumentError(key, `'${name}' is implemented for norm 'linf' only in @dkl/attacks`);
  }
}

/** Runs one named attack of the suite on a batch; returns the adversarial batch (caller disposes). */
export function runSuiteAttack(
  name: AutoAttackName,
  forward: ForwardFn,
  x: tf.Tensor,
  y: tf.Tensor,
  settings: { readonly norm: Norm; readonly eps: number; readonly seed: string } & SuiteBudget,
): tf.Tensor {
  const { norm, eps, seed } = settings;
  const steps = settings.apgdSteps ?? 100;
  const nTargetClasses = settings.nTargetClasses ?? 9;
  switch (name) {
    case 'apgd-ce':
      return apgd(forward, x, y, { norm, eps, steps, loss: 'ce', restarts: settings.apgdRestarts ?? 1, seed });
    case 'apgd-dlr':
      return apgd(forward, x, y, { norm, eps, steps, loss: 'dlr', restarts: settings.apgdRestarts ?? 1, seed });
    case 'apgd-t':
      return apgd(forward, x, y, { norm, eps, steps, loss: 'dlr', targeted: true, nTargetClasses, seed });
    case 'fab-t':
      return fab(forward, x, y, { eps, steps: settings.fabSteps ?? 100, nTargetClasses, seed });
    case 'square':
      return square(forward, x, y, { eps, queries: settings.squareQueries ?? 5000, seed });
  }
}
