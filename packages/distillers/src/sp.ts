/** SP (Tung & Mori 2019), as mdistiller's `distillers/SP.py`. */
import * as tf from '@tensorflow/tfjs';
import { stageFeatures, type LossDefinition } from '@dkl/core';
import { z } from 'zod';
import { FEATURE_REQUIREMENTS, featureTerm, weightFields } from './common/feature-term.js';
import { flattenBatch, l2Normalize } from './common/tensor-ops.js';

/** Row-normalised Gram matrix of the flattened batch. */
function similarity(f: tf.Tensor): tf.Tensor2D {
  const flat = flattenBatch(f);
  return l2Normalize(tf.matMul(flat, flat, false, true), 1) as tf.Tensor2D;
}

/** `||G_t - G_s||_F^2 / B^2` of one feature pair. */
export function spLoss(fs: tf.Tensor, ft: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const b = fs.shape[0]!;
    return tf.div(tf.sum(tf.squaredDifference(similarity(ft), similarity(fs))), b * b);
  });
}

const schema = z.strictObject({ ...weightFields(3000) });

/** `sp`: similarity-preserving KD on the last stage output (`feats[-1]`), mdistiller defaults. */
export const spDefinition: LossDefinition<typeof schema> = {
  name: 'sp',
  description: 'similarity-preserving KD (SP): batch similarity matrices of the last stage output',
  schema,
  needsReference: true,
  requirements: () => FEATURE_REQUIREMENTS,
  create: (options) =>
    featureTerm({
      name: 'sp',
      ceWeight: options.ceWeight,
      weight: options.weight,
      featureLoss: (ctx) => spLoss(stageFeatures(ctx.features, 'sp', 'model').at(-1)!, stageFeatures(ctx.referenceFeatures, 'sp', 'reference').at(-1)!),
    }),
};
