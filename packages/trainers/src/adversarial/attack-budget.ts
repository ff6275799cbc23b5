import { ArgumentError } from '@dkl/core';

/**
 * How hard the inner maximisation works at a given epoch.
 *
 * - `fixed`: `steps` steps of `stepSize` (or `stepSizeRatio * epsilon`).
 * - `low`: 2 steps of epsilon (the authors' 'low').
 * - `high-as-run`: 5 steps of epsilon/2 in every epoch. This is what the authors' IKL-AT and
 *   TRADES scripts actually run: their 'high' budget is four independent `if epoch <= k*E/200`
 *   tests, the last always true, so 5 steps always win.
 * - `high-intended`: the schedule those tests were meant to encode: 2/3/4/5 steps of epsilon/2
 *   in the first/second/third/fourth quarter of training.
 */
export type AttackBudgetKind = 'fixed' | 'low' | 'high-as-run' | 'high-intended';

export interface AttackBudgetConfig {
  /** Final radius (L-inf: e.g. 8/255; L2: e.g. 0.5). */
  readonly epsilon: number;
  /** `linear`: epsilon * epoch / epochs, the authors' increasing-epsilon schedule. */
  readonly epsilonSchedule?: 'constant' | 'linear';
  readonly budget?: AttackBudgetKind;
  readonly steps?: number;
  readonly stepSize?: number;
  readonly stepSizeRatio?: number;
}

export interface AttackBudget {
  readonly epsilon: number;
  readonly steps: number;
  readonly stepSize: number;
}

/** The attack budget of a 1-based epoch out of `epochs`. */
export function attackBudget(config: AttackBudgetConfig, epoch: number, epochs: number): AttackBudget {
  if (!(config.epsilon >= 0)) throw new ArgumentError('attack.epsilon', `must be >= 0, got ${config.epsilon}`);
  const epsilon = config.epsilonSchedule === 'linear' ? (config.epsilon * epoch) / epochs : config.epsilon;
  switch (config.budget ?? 'fixed') {
    case 'low':
      return { epsilon, steps: 2, stepSize: epsilon };
    case 'high-as-run':
      return { epsilon, steps: 5, stepSize: epsilon / 2 };
    case 'high-intended': {
      const steps = epoch <= Math.floor((50 * epochs) / 200) ? 2 : epoch <= Math.floor((100 * epochs) / 200) ? 3 : epoch <= Math.floor((150 * epochs) / 200) ? 4 : 5;
      return { epsilon, steps, stepSize: epsilon / 2 };
    }
    case 'fixed': {
      const steps = config.steps ?? 10;
      if (!Number.isInteger(steps) || steps < 1) throw new ArgumentError('attack.steps', `must be a positive integer, got ${steps}`);
      const stepSize = config.stepSize ?? (config.stepSizeRatio ?? 0.25) * epsilon;
      return { epsilon, steps, stepSize };
    }
  }
}
