import * as tf from '@tensorflow/tfjs';
import { stageFeatures, type LossContext, type LossTerm, type LossTermParts, type LossVariables } from '@dkl/core';
import { crossEntropy } from '@dkl/losses';
import { z } from 'zod';

/** The two weights every mdistiller feature distiller has (`LOSS.CE_WEIGHT`, `LOSS.FEAT_WEIGHT`). */
export function weightFields(featWeight: number) {
  return {
    /** Weight of the hard-label cross-entropy (mdistiller `LOSS.CE_WEIGHT`). */
    ceWeight: z.number().min(0).default(1),
    /** Weight of the feature loss (mdistiller `LOSS.FEAT_WEIGHT`). */
    weight: z.number().min(0).default(featWeight),
  };
}

export interface FeatureTermSpec {
  readonly name: string;
  readonly ceWeight: number;
  readonly weight: number;
  /** The unweighted feature loss; runs inside the trainer's tidy. */
  featureLoss(context: LossContext): tf.Scalar;
  readonly variables?: LossVariables;
  /** The term wants the teacher run in training mode (see `LossTerm.referenceTrainingMode`). */
  readonly referenceTrainingMode?: boolean;
}

/**
 * `ceWeight * CE(student logits, labels) + weight * featureLoss`, reported as mdistiller's
 * `loss_ce` / `loss_kd` parts. Feature distillers have no warm-up in mdistiller.
 */
export function featureTerm(spec: FeatureTermSpec): LossTerm {
  const computeParts = (context: LossContext): LossTermParts => {
    const distillation = tf.mul(spec.featureLoss(context), spec.weight) as tf.Scalar;
    if (spec.ceWeight === 0) return { total: distillation, distillation };
    const hardCe = tf.mul(crossEntropy(context.logits, context.targets ?? context.labels), spec.ceWeight) as tf.Scalar;
    return { total: tf.add(hardCe, distillation) as tf.Scalar, hardCe, distillation };
  };
  return {
    name: spec.name,
    usesFeatures: true,
    ...(spec.referenceTrainingMode ? { referenceTrainingMode: true } : {}),
    computeParts,
    compute: (context) => tf.tidy(() => computeParts(context).total),
    ...(spec.variables ? { variables: spec.variables, dispose: () => tf.dispose([...spec.variables!.trainable, ...spec.variables!.state]) } : {}),
  };
}

/** Requirements of every feature distiller: teacher features (the reference) and the taps. */
export const FEATURE_REQUIREMENTS = { reference: true, classPrior: false, features: true } as const;

/**
 * The student's and the teacher's stage outputs after the stem (mdistiller's `feats[1:]`), paired
 * shallowest first as Python's `zip` pairs them (the longer list is cut to the shorter).
 */
export function pairedStages(ctx: LossContext, loss: string): [tf.Tensor4D[], tf.Tensor4D[]] {
  const s = stageFeatures(ctx.features, loss, 'model').slice(1) as tf.Tensor4D[];
  const t = stageFeatures(ctx.referenceFeatures, loss, 'reference').slice(1) as tf.Tensor4D[];
  const n = Math.min(s.length, t.length);
  return [s.slice(0, n), t.slice(0, n)];
}
