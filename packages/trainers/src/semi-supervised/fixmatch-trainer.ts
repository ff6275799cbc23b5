import * as tf from '@tensorflow/tfjs';
import { ArgumentError, componentRefSchema, type ClassifierModel, type LossTerm } from '@dkl/core';
import { crossEntropy } from '@dkl/losses';
import { z } from 'zod';
import { sumLossTerms } from '../engine/loss-terms.js';
import type { TrainStep } from '../engine/step.js';
import { defineTrainer } from '../trainers/trainer-definition.js';
import { DistributionAlignment, type DistributionAlignmentOptions } from './distribution-alignment.js';
import { consistencyOnRows, forwardJointly, supervisedTerms, unlabelledViews } from './unlabelled-batches.js';
import { semiSupervisedContract } from './semi-supervised-contract.js';

export interface FixMatchStepOptions {
  readonly model: ClassifierModel;
  /** Terms on the labelled batch's logits; default hard-label cross-entropy. */
  readonly losses?: readonly LossTerm[];
  /**
   * The consistency term on the confident unlabelled rows: `logits` = strong-view logits,
   * `reference` = weak-view logits (no gradient), `labels` = pseudo-labels. Default: cross-entropy
   * on the pseudo-labels (FixMatch); `ikl` gives FixMatch + IKL (paper Table 16).
   */
  readonly consistency?: LossTerm;
  /** Confidence threshold tau on the weak view's max probability (FixMatch: 0.95). */
  readonly threshold?: number;
  /** Weight lambda_u of the consistency term (FixMatch: 1). */
  readonly unlabelledWeight?: number;
  /** ReMixMatch's distribution alignment of the weak-view probabilities before thresholding (off by default). */
  readonly distributionAlignment?: DistributionAlignmentOptions;
}

/** The weak and strong views of each unlabelled batch (streams `unlabelled/weak`, `unlabelled/strong`). */
export const FIXMATCH_VIEWS = ['weak', 'strong'] as const;

/**
 * Runs `model` in training mode (batch statistics, as FixMatch's pseudo-labelling forward pass)
 * and puts its non-trainable state (BatchNorm running statistics) back afterwards, so the
 * pseudo-labelling pass never moves them; only the training forward pass does.
 */
function forwardWithFrozenStatistics(model: ClassifierModel, x: tf.Tensor): tf.Tensor {
  const saved = model.nonTrainableVariables.map((v) => v.clone());
  try {
    return tf.tidy(() => model.forward(x, { training: true }).logits);
  } finally {
    model.nonTrainableVariables.forEach((v, i) => v.assign(saved[i]!));
    tf.dispose(saved);
  }
}

/**
 * FixMatch (Sohn et al. 2020): supervised terms on the labelled batch (weak augmentation) plus
 * `lambda_u` times a consistency term on the unlabelled rows whose weak-view prediction is
 * confident (max probability >= tau), the strong view trained towards the weak view's
 * pseudo-label. `prepare` computes the weak-view logits outside the tape (no gradient, training-mode
 * batch statistics, running statistics untouched), reads the confidence mask back and passes the
 * confident row indices; `compute` runs the labelled and strong batches through the model in one
 * training-mode pass and evaluates the consistency term on the confident rows, scaled by
 * `confident / U` (FixMatch's `mean(mask * H(p, q))`). Logged: the supervised terms,
 * `consistency` (before lambda_u) and `maskRate` (the confident fraction).
 */
export function fixMatchStep(options: FixMatchStepOptions): TrainStep {
  const { model } = options;
  const threshold = options.threshold ?? 0.95;
  const lambda = options.unlabelledWeight ?? 1;
  if (!(threshold > 0 && threshold <= 1)) throw new ArgumentError('threshold', `must be in (0, 1], got ${threshold}`);
  if (!(lambda >= 0)) throw new ArgumentError('unlabelledWeight', `must be >= 0, got ${lambda}`);
  const supervised = supervisedTerms(options.losses);
  const consistency: LossTerm = options.consistency ?? { name: 'ce', compute: (ctx) => crossEntropy(ctx.logits, ctx.labels) };
  const alignment = options.distributionAlignment ? new DistributionAlignment(model.numClasses, options.distributionAlignment) : undefined;
  return {
    async prepare(batch, ctx) {
      const { weak } = unlabelledViews(ctx, FIXMATCH_VIEWS);
      const weakLogits = forwardWithFrozenStatistics(model, weak.x);
      const rawProbs = tf.softmax(weakLogits as tf.Tensor2D);
      const probs = alignment ? alignment.align(rawProbs, batch.y) : rawProbs;
      if (probs !== rawProbs) rawProbs.dispose();
      const [pseudoLabels, mask] = tf.tidy(() => [tf.argMax(probs, 1).cast('int32'), tf.greaterEqual(tf.max(probs, 1), threshold)]);
      probs.dispose();
      // The confident rows are data-dependent: read the mask back once, outside the tape.
      const flags = (await mask!.data()) as Uint8Array;
      mask!.dispose();
      const rows: number[] = [];
      for (let i = 0; i < flags.length; i++) if (flags[i]) rows.push(i);
      return { weakLogits, pseudoLabels: pseudoLabels!, confidentRows: tf.tensor1d(rows, 'int32') };
    },
    compute(batch, prepared, ctx) {
      const { strong } = unlabelledViews(ctx, FIXMATCH_VIEWS);
      const weakLogits = prepared['weakLogits']!;
      const pseudoLabels = prepared['pseudoLabels']!;
      const rows = prepared['confidentRows']!;
      const U = strong.x.shape[0]!;
      const { labelled: logits, unlabelled: strongLogits } = forwardJointly(model, batch.x, strong.x);
      const labels = batch.y;
      const sup = sumLossTerms(supervised, { labels, ...(batch.targets ? { targets: batch.targets } : {}), logits, epoch: ctx.epoch, step: ctx.step });
      const unsup = consistencyOnRows(consistency, { labels: pseudoLabels, logits: strongLogits, reference: weakLogits, epoch: ctx.epoch, step: ctx.step }, rows, U);
      const loss = tf.add(sup.total, tf.mul(unsup, lambda)) as tf.Scalar;
      const maskRate = tf.scalar(rows.shape[0]! / U);
      return {
        loss,
        terms: { ...sup.parts, consistency: unsup, maskRate },
        outputs: { labels: labels.clone(), logits, unlabelledLogits: strongLogits, unlabelledTeacherLogits: weakLogits.clone(), pseudoLabels: pseudoLabels.clone() },
      };
    },
    dispose: () => alignment?.dispose(),
    ...(alignment
      ? {
          saveState: () => alignment.saveState(),
          loadState: (state) => alignment.loadState(state.tensors ?? {}),
        }
      : {}),
  };
}

const schema = z
  .object({
    /** Confidence threshold tau (FixMatch: 0.95). */
    threshold: z.number().gt(0).max(1).default(0.95),
    /** lambda_u, the consistency weight (FixMatch: 1). */
    unlabelledWeight: z.number().min(0).default(1),
    /** The consistency term on (strong logits; weak logits as the reference; pseudo-labels): `ce` is FixMatch, `ikl` FixMatch + IKL. */
    consistency: componentRefSchema.default({ name: 'ce', options: {} }),
    /** ReMixMatch's distribution alignment of the weak-view probabilities (off when absent). */
    distributionAlignment: z
      .object({ momentum: z.number().min(0).lt(1).default(0.999), target: z.enum(['uniform', 'labelled']).default('uniform') })
      .strict()
      .optional(),
  })
  .strict();

/** `trainer.type: fixmatch`: labelled batch + weak/strong views of an unlabelled batch (`data.unlabelled`). */
export const fixMatchTrainer = defineTrainer({
  name: 'fixmatch',
  description: 'FixMatch semi-supervised training: trainer.losses on the labelled batch + unlabelledWeight * trainer.consistency on confident (>= threshold) strong/weak unlabelled pairs',
  schema,
  ...semiSupervisedContract(FIXMATCH_VIEWS),
  createStep: (o, { model, losses, createLoss }) =>
    fixMatchStep({
      model,
      losses,
      consistency: createLoss(o.consistency, 'trainer.consistency'),
      threshold: o.threshold,
      unlabelledWeight: o.unlabelledWeight,
      ...(o.distributionAlignment ? { distributionAlignment: o.distributionAlignment } : {}),
    }),
});
