import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '@dkl/losses';
import type { LossTerm } from '@dkl/core';
import { z } from 'zod';
import { sumLossTerms } from '../engine/loss-terms.js';
import type { TrainStep } from '../engine/step.js';
import { TrainingEngine, type TrainingEngineOptions } from '../engine/training-engine.js';
import { defineTrainer } from './trainer-definition.js';

export interface SupervisedTrainerOptions extends Omit<TrainingEngineOptions, 'step'> {
  /** Loss terms on the model's logits; default: hard-label cross-entropy. */
  readonly losses?: readonly LossTerm[];
  /** Label smoothing of the default cross-entropy (ignored when `losses` is given). */
  readonly labelSmoothing?: number;
}

/** Builds the supervised step: forward in training mode, sum of loss terms on (logits, labels). */
export function supervisedStep(options: Pick<SupervisedTrainerOptions, 'model' | 'losses' | 'labelSmoothing'>): TrainStep {
  const { model } = options;
  const losses: readonly LossTerm[] = options.losses ?? [
    { name: 'ce', compute: (ctx) => crossEntropy(ctx.logits, ctx.labels, { labelSmoothing: options.labelSmoothing ?? 0 }) },
  ];
  return {
    compute(batch, _prepared, ctx) {
      const logits = model.forward(batch.x, { training: true }).logits;
      const labels = batch.y;
      const { total, parts } = sumLossTerms(losses, { labels, ...(batch.targets ? { targets: batch.targets } : {}), logits, epoch: ctx.epoch, step: ctx.step });
      return { loss: total, terms: parts, outputs: { labels: labels.clone(), logits } };
    },
  };
}

/** Hard-label training with top-1/top-5 evaluation. */
export class SupervisedTrainer extends TrainingEngine {
  constructor(options: SupervisedTrainerOptions) {
    super({ ...options, step: supervisedStep(options) });
  }
}

/** `trainer.type: supervised`: hard labels, `trainer.losses` on the logits (default cross-entropy). */
export const supervisedTrainer = defineTrainer({
  name: 'supervised',
  description: 'hard-label training: the sum of trainer.losses on the logits (default: cross-entropy with optional label smoothing)',
  schema: z.object({ labelSmoothing: z.number().min(0).lt(1).default(0) }).strict(),
  outputs: ['labels', 'logits'],
  providesReference: false,
  teacher: 'none',
  requiresLosses: false,
  createStep: ({ labelSmoothing }, { model, losses }) => supervisedStep({ model, labelSmoothing, ...(losses.length ? { losses } : {}) }),
});
