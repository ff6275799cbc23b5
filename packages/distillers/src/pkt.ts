/** PKT (Passalis & Tefas 2018), as mdistiller's `distillers/PKT.py`. */
import * as tf from '@tensorflow/tfjs';
import { POOLED_FEATURE, requireFeature, type LossDefinition } from '@dkl/core';
import { z } from 'zod';
import { FEATURE_REQUIREMENTS, featureTerm, weightFields } from './common/feature-term.js';
import { flattenBatch } from './common/tensor-ops.js';

/** Row-normalised cosine-similarity distribution of a batch of vectors. */
function similarityDistribution(f: tf.Tensor2D, eps: number): tf.Tensor2D {
  const unit = tf.div(f, tf.add(tf.sqrt(tf.sum(tf.square(f), 1, true)), eps));
  const sim = tf.div(tf.add(tf.matMul(unit, unit, false, true), 1), 2);
  return tf.div(sim, tf.sum(sim, 1, true)) as tf.Tensor2D;
}

/** KL between the teacher's and the student's similarity distributions, averaged over B x B. */
export function pktLoss(fs: tf.Tensor, ft: tf.Tensor, eps = 1e-7): tf.Scalar {
  return tf.tidy(() => {
    const s = similarityDistribution(flattenBatch(fs), eps);
    const t = similarityDistribution(flattenBatch(ft), eps);
    return tf.mean(tf.mul(t, tf.log(tf.div(tf.add(t, eps), tf.add(s, eps)))));
  });
}

const schema = z.strictObject({ ...weightFields(30000) });

/** `pkt`: probabilistic knowledge transfer on the pooled feature (`embedding`), mdistiller defaults. */
export const pktDefinition: LossDefinition<typeof schema> = {
  name: 'pkt',
  description: 'probabilistic knowledge transfer (PKT): KL of cosine-similarity distributions of the pooled features',
  schema,
  needsReference: true,
  requirements: () => FEATURE_REQUIREMENTS,
  create: (options) =>
    featureTerm({
      name: 'pkt',
      ceWeight: options.ceWeight,
      weight: options.weight,
      featureLoss: (ctx) => pktLoss(requireFeature(ctx.features, POOLED_FEATURE, 'pkt', 'model'), requireFeature(ctx.referenceFeatures, POOLED_FEATURE, 'pkt', 'reference')),
    }),
};
