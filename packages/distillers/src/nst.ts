/** NST (Huang & Wang 2017), as mdistiller's `distillers/NST.py`. */
import * as tf from '@tensorflow/tfjs';
import type { LossDefinition } from '@dkl/core';
import { z } from 'zod';
import { FEATURE_REQUIREMENTS, featureTerm, pairedStages, weightFields } from './common/feature-term.js';
import { l2Normalize, matchSpatial } from './common/tensor-ops.js';

/** NHWC `[B, H, W, C]` -> `[B, C, HW]` with every channel's map L2-normalised. */
function channelMaps(f: tf.Tensor4D): tf.Tensor3D {
  const [b, h, w, c] = f.shape;
  return l2Normalize(f.reshape([b, h * w, c]).transpose([0, 2, 1]), 2) as tf.Tensor3D;
}

/** Mean of the squared inner products of every channel map of `a` with every one of `b`. */
function meanPolyKernel(a: tf.Tensor3D, b: tf.Tensor3D): tf.Scalar {
  return tf.mean(tf.square(tf.matMul(b, a, false, true)));
}

/** Squared MMD with a degree-2 polynomial kernel between the channel maps of one stage pair. */
export function singleStageNstLoss(fs: tf.Tensor4D, ft: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [s4, t4] = matchSpatial(fs, ft);
    const s = channelMaps(s4);
    const t = channelMaps(t4);
    return tf.sub(tf.add(meanPolyKernel(t, t), meanPolyKernel(s, s)), tf.mul(meanPolyKernel(s, t), 2)) as tf.Scalar;
  });
}

/** Sum of {@link singleStageNstLoss} over paired stages. */
export function nstLoss(student: readonly tf.Tensor4D[], teacher: readonly tf.Tensor4D[]): tf.Scalar {
  return tf.tidy(() => tf.addN(student.map((fs, i) => singleStageNstLoss(fs, teacher[i]!))) as tf.Scalar);
}

const schema = z.strictObject({ ...weightFields(50) });

/** `nst`: neuron selectivity transfer on `feats[1:]`, mdistiller defaults. */
export const nstDefinition: LossDefinition<typeof schema> = {
  name: 'nst',
  description: 'neuron selectivity transfer (NST): polynomial-kernel MMD of the channel maps of every stage',
  schema,
  needsReference: true,
  requirements: () => FEATURE_REQUIREMENTS,
  create: (options) =>
    featureTerm({
      name: 'nst',
      ceWeight: options.ceWeight,
      weight: options.weight,
      featureLoss: (ctx) => {
        const [s, t] = pairedStages(ctx, 'nst');
        return nstLoss(s, t);
      },
    }),
};
