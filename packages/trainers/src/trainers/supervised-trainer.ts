import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '@dkl/losses';
import type { LossTerm } from '@dkl/core';
import { sumLossTerms } from '../engine/loss-terms.js';
import type { TrainStep } from '../engine/step.js';
import { TrainingEngine, type TrainingEngineOptions } from '../engine/training-engine.js';

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
      const { total, parts } = sumLossTerms(losses, { labels, logits, epoch: ctx.epoch, step: ctx.step });
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
