/** AT (Zagoruyko & Komodakis 2017), as mdistiller's `distillers/AT.py`. */
import * as tf from '@tensorflow/tfjs';
import type { LossDefinition } from '@dkl/core';
import { z } from 'zod';
import { l2Normalize, matchSpatial } from './common/tensor-ops.js';
import { FEATURE_REQUIREMENTS, featureTerm, pairedStages, weightFields } from './common/feature-term.js';

/** The attention map of one NHWC feature: `normalize(mean_c(f^p))`, flattened per example. */
function attentionMap(f: tf.Tensor4D, p: number): tf.Tensor2D {
  return l2Normalize(tf.mean(tf.pow(f, p), 3).reshape([f.shape[0], -1]), 1) as tf.Tensor2D;
}

/** One stage: mean squared difference of the attention maps after matching spatial sizes. */
export function singleStageAtLoss(fs: tf.Tensor4D, ft: tf.Tensor4D, p: number): tf.Scalar {
  return tf.tidy(() => {
    const [s, t] = matchSpatial(fs, ft);
    return tf.mean(tf.squaredDifference(attentionMap(s, p), attentionMap(t, p)));
  });
}

/** Sum of {@link singleStageAtLoss} over paired stages. */
export function atLoss(student: readonly tf.Tensor4D[], teacher: readonly tf.Tensor4D[], p: number): tf.Scalar {
  return tf.tidy(() => tf.addN(student.map((fs, i) => singleStageAtLoss(fs, teacher[i]!, p))) as tf.Scalar);
}

const schema = z.strictObject({ p: z.number().positive().default(2), ...weightFields(1000) });

/** `at`: attention transfer on `feats[1:]` (every stage output after the stem), mdistiller defaults. */
export const atDefinition: LossDefinition<typeof schema> = {
  name: 'at',
  description: 'attention transfer (AT): L2 distance of normalised spatial attention maps of every stage',
  schema,
  needsReference: true,
  requirements: () => FEATURE_REQUIREMENTS,
  create: (options) =>
    featureTerm({
      name: 'at',
      ceWeight: options.ceWeight,
      weight: options.weight,
      featureLoss: (ctx) => {
        const [s, t] = pairedStages(ctx, 'at');
        return atLoss(s, t, options.p);
      },
    }),
};
