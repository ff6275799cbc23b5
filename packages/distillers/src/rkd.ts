/** RKD (Park et al. 2019), as mdistiller's `distillers/RKD.py`. */
import * as tf from '@tensorflow/tfjs';
import { POOLED_FEATURE, requireFeature, type LossDefinition } from '@dkl/core';
import { z } from 'zod';
import { FEATURE_REQUIREMENTS, featureTerm, weightFields } from './common/feature-term.js';
import { flattenBatch, l2Normalize } from './common/tensor-ops.js';

/** Pairwise distances clamped at `eps` (squared, or their root), zero diagonal. */
function pairwiseDistances(e: tf.Tensor2D, squared: boolean, eps: number): tf.Tensor2D {
  const sq = tf.sum(tf.square(e), 1);
  const d2 = tf.maximum(tf.sub(tf.add(sq.expandDims(1), sq.expandDims(0)), tf.mul(tf.matMul(e, e, false, true), 2)), eps);
  const d = squared ? d2 : tf.sqrt(d2);
  const b = e.shape[0];
  return tf.mul(d, tf.sub(1, tf.eye(b))) as tf.Tensor2D;
}

/**
 * Distances divided by their mean over the positive entries. Those are exactly the B(B-1)
 * off-diagonal ones: the clamp at `eps` > 0 keeps every one of them positive.
 */
function normalizedDistances(e: tf.Tensor2D, squared: boolean, eps: number): tf.Tensor2D {
  const d = pairwiseDistances(e, squared, eps);
  const b = e.shape[0];
  return tf.div(d, tf.div(tf.sum(d), b * (b - 1))) as tf.Tensor2D;
}

/** `F.smooth_l1_loss` (beta 1), mean reduction, as `0.5 m^2 + |x| - m` with `m = min(|x|, 1)` (no branch to differentiate). */
function smoothL1(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  const diff = tf.abs(tf.sub(a, b));
  const m = tf.minimum(diff, 1);
  return tf.mean(tf.add(tf.mul(tf.square(m), 0.5), tf.sub(diff, m)));
}

/** Cosines of the angles at every example between the directions to every pair of others. */
function angles(e: tf.Tensor2D): tf.Tensor {
  const diff = tf.sub(e.expandDims(0), e.expandDims(1)); // [i, j] = e[j] - e[i]
  const unit = l2Normalize(diff, 2) as tf.Tensor3D;
  return tf.matMul(unit, unit, false, true).reshape([-1]);
}

export interface RkdOptions {
  readonly squared?: boolean;
  readonly eps?: number;
  readonly distanceWeight?: number;
  readonly angleWeight?: number;
}

/** `distanceWeight * smoothL1(distances) + angleWeight * smoothL1(angles)` of the flattened features. */
export function rkdLoss(fs: tf.Tensor, ft: tf.Tensor, options: RkdOptions = {}): tf.Scalar {
  const { squared = false, eps = 1e-12, distanceWeight = 25, angleWeight = 50 } = options;
  return tf.tidy(() => {
    const s = flattenBatch(fs);
    const t = flattenBatch(ft);
    const distance = smoothL1(normalizedDistances(s, squared, eps), normalizedDistances(t, squared, eps));
    const angle = smoothL1(angles(s), angles(t));
    return tf.add(tf.mul(distance, distanceWeight), tf.mul(angle, angleWeight)) as tf.Scalar;
  });
}

const schema = z.strictObject({
  distanceWeight: z.number().min(0).default(25),
  angleWeight: z.number().min(0).default(50),
  eps: z.number().positive().default(1e-12),
  squared: z.boolean().default(false),
  ...weightFields(1),
});

/** `rkd`: relational KD (distance + angle) on the pooled feature (`embedding`), mdistiller defaults. */
export const rkdDefinition: LossDefinition<typeof schema> = {
  name: 'rkd',
  description: 'relational KD (RKD): distance and angle relations of the pooled features',
  schema,
  needsReference: true,
  requirements: () => FEATURE_REQUIREMENTS,
  create: (options) =>
    featureTerm({
      name: 'rkd',
      ceWeight: options.ceWeight,
      weight: options.weight,
      featureLoss: (ctx) => rkdLoss(requireFeature(ctx.features, POOLED_FEATURE, 'rkd', 'model'), requireFeature(ctx.referenceFeatures, POOLED_FEATURE, 'rkd', 'reference'), options),
    }),
};
