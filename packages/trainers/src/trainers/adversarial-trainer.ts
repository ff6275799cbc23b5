import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '@dkl/losses';
import { componentRefSchema, ConfigError, type LossTerm } from '@dkl/core';
import { z } from 'zod';
import { attackBudget, type AttackBudgetConfig } from '../adversarial/attack-budget.js';
import { AdversarialWeightPerturbation, type AwpOptions } from '../adversarial/awp.js';
import { pgd } from '@dkl/attacks';
import { sumLossTerms } from '../engine/loss-terms.js';
import type { StepContext, TrainStep } from '../engine/step.js';
import { TrainingEngine, type TrainingEngineOptions } from '../engine/training-engine.js';
import { defineTrainer } from './trainer-definition.js';

/**
 * The inner objective: a scalar to maximise from natural (held constant) and adversarial logits,
 * at the step being trained (`epoch` 1-based, `step` the global step), as the outer loss sees it.
 */
export type AttackObjective = (natural: tf.Tensor, adversarial: tf.Tensor, labels: tf.Tensor, at: { readonly epoch: number; readonly step: number }) => tf.Scalar;

export interface AdversarialAttackConfig extends AttackBudgetConfig {
  readonly norm?: 'linf' | 'l2';
  /** PGD's start (see `pgd` in @dkl/attacks); default `normal`, x + 0.001 * N(0, 1) as the authors' scripts. */
  readonly randomStart?: 'normal' | 'uniform' | 'none';
}

export interface AdversarialTrainerOptions extends Omit<TrainingEngineOptions, 'step'> {
  /**
   * Robust terms on (natural = reference, adversarial = logits), e.g. `ikl` / `gkl` with
   * `preset: 'at'` or `trades` from @dkl/losses. Those already include the hard-label CE on the
   * natural logits (`ceTarget: 'reference'`).
   */
  readonly robustLosses: readonly LossTerm[];
  /** Extra weight of CE(natural logits, labels) for robust terms that lack it; default 0. */
  readonly naturalCeWeight?: number;
  readonly attack: AdversarialAttackConfig;
  /**
   * What PGD maximises; default: the robust terms with the natural logits held constant. The
   * IKL-AT scripts attack with plain DKL weights (ALPHA = BETA = 1); pass that here to match.
   */
  readonly attackObjective?: AttackObjective;
  readonly awp?: AwpOptions;
}

/**
 * The adversarial-training step (IKL-AT / TRADES): PGD on the robust objective with the model in
 * inference mode, optional AWP, then the outer loss `robust(natural, adversarial)` (which holds
 * the CE on natural logits) with gradients through both natural and adversarial logits.
 */
export function adversarialStep(options: Pick<AdversarialTrainerOptions, 'model' | 'robustLosses' | 'naturalCeWeight' | 'attack' | 'attackObjective' | 'awp'>): TrainStep {
  const { model, robustLosses, attack } = options;
  if (robustLosses.length === 0) throw new ConfigError('robustLosses', 'adversarial training needs at least one robust loss term');
  const ceWeight = options.naturalCeWeight ?? 0;
  const awp = options.awp ? new AdversarialWeightPerturbation(model, options.awp) : undefined;
  const outer = (x: tf.Tensor, xAdv: tf.Tensor, labels: tf.Tensor, ctx: StepContext, targets?: tf.Tensor) => {
    // The authors' order: adversarial batch first, then natural (BatchNorm sees them separately).
    const adversarial = model.forward(xAdv, { training: true }).logits;
    const natural = model.forward(x, { training: true }).logits;
    const robust = sumLossTerms(robustLosses, { labels, ...(targets ? { targets } : {}), logits: adversarial, reference: natural, epoch: ctx.epoch, step: ctx.step });
    const total = (ceWeight > 0 ? robust.total.add(crossEntropy(natural, targets ?? labels).mul(ceWeight)) : robust.total) as tf.Scalar;
    const parts: Record<string, tf.Scalar> = ceWeight > 0 ? { ...robust.parts, naturalCe: total.sub(robust.total) as tf.Scalar } : robust.parts;
    return { natural, adversarial, total, parts };
  };
  const objective: AttackObjective =
    options.attackObjective ?? ((natural, adversarial, labels, at) => sumLossTerms(robustLosses, { labels, logits: adversarial, reference: natural, ...at }).total);
  return {
    prepare(batch, ctx) {
      const { epsilon, steps, stepSize } = attackBudget(attack, ctx.epoch, ctx.epochs);
      // The one PGD of @dkl/attacks, in inference mode (BatchNorm statistics untouched), on the
      // robust objective with the natural logits computed once and held constant.
      const forward = (input: tf.Tensor) => model.forward(input, { training: false }).logits;
      const natural = tf.tidy(() => forward(batch.x));
      const xAdv = pgd(forward, batch.x, batch.y, {
        norm: attack.norm ?? 'linf',
        eps: epsilon,
        stepSize,
        steps,
        randomStart: attack.randomStart ?? 'normal',
        rng: ctx.rng,
        loss: (adversarial, labels) => objective(natural, adversarial, labels, { epoch: ctx.epoch, step: ctx.step }),
      });
      natural.dispose();
      if (awp && ctx.epoch >= awp.options.warmupEpochs) {
        awp.perturb(() => outer(batch.x, xAdv, batch.y, ctx, batch.targets).total);
      }
      return { xAdv };
    },
    compute(batch, prepared, ctx) {
      const { natural, adversarial, total, parts } = outer(batch.x, prepared['xAdv']!, batch.y, ctx, batch.targets);
      return {
        loss: total,
        terms: parts,
        outputs: { labels: batch.y.clone(), logits: natural, naturalLogits: natural, adversarialLogits: adversarial },
      };
    },
    afterUpdate() {
      awp?.restore();
    },
  };
}

/** Adversarial training with PGD inner maximisation, epsilon/budget schedules and optional AWP. */
export class AdversarialTrainer extends TrainingEngine {
  constructor(options: AdversarialTrainerOptions) {
    super({ ...options, step: adversarialStep(options) });
  }
}

/** `trainer.attack`: PGD's threat model and budget per epoch (see {@link attackBudget}). */
export const attackConfigSchema = z
  .object({
    norm: z.enum(['linf', 'l2']).default('linf'),
    epsilon: z.number().min(0),
    epsilonSchedule: z.enum(['constant', 'linear']).default('constant'),
    budget: z.enum(['fixed', 'low', 'high-as-run', 'high-intended']).default('fixed'),
    steps: z.number().int().positive().optional(),
    stepSize: z.number().positive().optional(),
    stepSizeRatio: z.number().positive().optional(),
    randomStart: z.enum(['normal', 'uniform', 'none']).default('normal'),
  })
  .strict();

/** A loss term as PGD's objective: natural logits as the (constant) reference, at the step being trained. */
function lossAsAttackObjective(term: LossTerm): AttackObjective {
  return (natural, adversarial, labels, { epoch, step }) => term.compute({ labels, logits: adversarial, reference: natural, epoch, step });
}

/** `trainer.type: adversarial`: PGD inner maximisation, then `trainer.losses` as robust terms (IKL-AT, TRADES). */
export const adversarialTrainer = defineTrainer({
  name: 'adversarial',
  description: 'adversarial training: PGD on the attack objective, then trainer.losses on (adversarial logits, natural logits as the reference), optional AWP',
  schema: z
    .object({
      attack: attackConfigSchema,
      /**
       * What PGD maximises, as a loss term on (natural = reference, adversarial = logits); default:
       * the robust losses themselves. The IKL-AT scripts attack plain DKL (ALPHA = BETA = 1 on
       * CIFAR-100, BETA = 0 on CIFAR-10).
       */
      attackLoss: componentRefSchema.optional(),
      awp: z
        .object({ gamma: z.number().positive().default(0.005), warmupEpochs: z.number().int().min(1).default(10), proxyLearningRate: z.number().positive().default(0.2) })
        .strict()
        .optional(),
    })
    .strict(),
  outputs: ['labels', 'logits', 'naturalLogits', 'adversarialLogits'],
  providesReference: true,
  teacher: 'none',
  requiresLosses: true,
  lossRefs: ({ attackLoss }) => (attackLoss ? [{ ref: attackLoss, keyPath: 'trainer.attackLoss' }] : []),
  createStep: ({ attack, attackLoss, awp }, { model, losses, createLoss }) =>
    adversarialStep({
      model,
      robustLosses: losses,
      attack,
      ...(awp ? { awp } : {}),
      ...(attackLoss ? { attackObjective: lossAsAttackObjective(createLoss(attackLoss, 'trainer.attackLoss')) } : {}),
    }),
});
