import type * as tf from '@tensorflow/tfjs';
import type { z } from 'zod';
import type { AttackPlan } from './attack-plan.js';
import type { WarningHandler } from './checks.js';
import type { ForwardFn } from './forward.js';
import { predict } from './gradient.js';
import type { Norm } from './project.js';

/** The threat model and seed an attack runs under; its own options come from its schema. */
export interface ThreatModel {
  readonly eps: number;
  readonly norm: Norm;
  /** Seed of the attack's random choices for this batch. */
  readonly seed: string;
}

/** Multi-binding token: an attack that `robust-eval` and `dkl eval --attack` can run by name. */
export const AttackDefinition = Symbol.for('@dkl/attacks/AttackDefinition');

/**
 * An attack contributed through a ContainerModule. `robustFlags` attacks a batch of pixels in
 * [0, 1] (NHWC) with labels `y` and says, per example, whether the model still classifies it
 * correctly under the attack (false when it was already wrong), which is what robust accuracy
 * counts for single attacks and for suites (AutoAttack) alike.
 */
export interface AttackDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  /** The norms the attack is implemented for. */
  readonly norms: readonly Norm[];
  /** The attack's own options (steps, restarts, budgets...), with defaults. */
  readonly schema: S;
  robustFlags(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, options: z.output<S>, threat: ThreatModel): Promise<boolean[]>;
  /**
   * How a whole-set evaluation (`dkl eval`, {@link runAttackPlan}) runs the attack: its stages in
   * order (AutoAttack's attacks), the settings that identify it in a state file, and sanity
   * checks. Without it the evaluation is one stage calling `robustFlags`.
   */
  plan?(options: z.output<S>, threat: Omit<ThreatModel, 'seed'>, warn: WarningHandler): AttackPlan;
}

/** The plan of `definition` under `options`: its own, or one stage running its `robustFlags`. */
export function attackPlanOf<S extends z.ZodType>(definition: AttackDefinition<S>, options: z.output<S>, threat: Omit<ThreatModel, 'seed'>, warn: WarningHandler): AttackPlan {
  if (definition.plan) return definition.plan(options, threat, warn);
  return {
    stages: [{ name: definition.name, robustFlags: (forward, x, y, seed) => definition.robustFlags(forward, x, y, options, { ...threat, seed }) }],
    settings: { attack: definition.name, options: options as unknown },
  };
}

/** Keeps the option types of an attack definition literal. */
export function defineAttack<S extends z.ZodType>(definition: AttackDefinition<S>): AttackDefinition<S> {
  return definition;
}

/** Robust flags of an attack that returns adversarial examples: correct on both the clean and the attacked input. Disposes `adversarial`. */
export function flagsOf(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, adversarial: tf.Tensor): boolean[] {
  const labels = y.dataSync();
  const clean = predict(forward, x);
  const attacked = predict(forward, adversarial);
  adversarial.dispose();
  return Array.from(labels, (label, i) => clean[i] === label && attacked[i] === label);
}
