/** VID (Ahn et al. 2019), as mdistiller's `distillers/VID.py`. */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, SeededRng, stageFeatureNames, type LossDefinition } from '@dkl/core';
import { z } from 'zod';
import { FEATURE_REQUIREMENTS, featureTerm, pairedStages, weightFields } from './common/feature-term.js';
import { torchUniformVariable } from './common/init.js';
import { matchSpatial } from './common/tensor-ops.js';

/** Weights of one stage's regressor: conv1x1(s, t), ReLU, conv1x1(t, t), ReLU, conv1x1(t, t), no biases. */
export type VidRegressor = readonly [tf.Tensor, tf.Tensor, tf.Tensor];

function regress(regressor: VidRegressor, x: tf.Tensor4D): tf.Tensor4D {
  const [w1, w2, w3] = regressor as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  return tf.conv2d(tf.relu(tf.conv2d(tf.relu(tf.conv2d(x, w1, 1, 'valid')), w2, 1, 'valid')), w3, 1, 'valid');
}

/**
 * One stage: the Gaussian negative log-likelihood of the teacher's map under the regressed
 * student mean and a per-channel variance `softplus(logScale) + eps`, averaged over every element.
 */
export function vidLoss(regressor: VidRegressor, logScale: tf.Tensor, fs: tf.Tensor4D, ft: tf.Tensor4D, eps = 1e-5): tf.Scalar {
  return tf.tidy(() => {
    const [s, t] = matchSpatial(fs, ft);
    const mean = regress(regressor, s);
    const variance = tf.add(tf.log(tf.add(1, tf.exp(logScale))), eps);
    return tf.mean(tf.mul(tf.add(tf.div(tf.squaredDifference(mean, t), variance), tf.log(variance)), 0.5));
  });
}

const schema = z.strictObject({
  /** Initial predicted variance (mdistiller `VID.INIT_PRED_VAR`). */
  initPredVar: z.number().positive().default(5),
  eps: z.number().positive().default(1e-5),
  /**
   * Train the per-channel log-scales too. mdistiller keeps them in a plain list outside
   * `get_learnable_parameters`, so its optimizer never updates them: false reproduces that.
   */
  trainLogScale: z.boolean().default(false),
  ...weightFields(1),
});

/** `vid`: variational information distillation on `feats[1:]` with trainable regressors, mdistiller defaults. */
export const vidDefinition: LossDefinition<typeof schema> = {
  name: 'vid',
  description: 'variational information distillation (VID): Gaussian likelihood of the teacher maps under regressed student maps, every stage',
  schema,
  needsReference: true,
  requirements: () => FEATURE_REQUIREMENTS,
  create: (options, context = {}) => {
    const where = context.keyPath ?? 'vid';
    const shapes = context.featureShapes;
    if (!shapes?.reference) throw new ConfigError(where, "loss 'vid' sizes its regressors from both models' feature shapes, which the trainer did not give (use trainer.type distillation)");
    const sNames = stageFeatureNames(Object.keys(shapes.model)).slice(1);
    const tNames = stageFeatureNames(Object.keys(shapes.reference)).slice(1);
    const n = Math.min(sNames.length, tNames.length); // Python's zip, as the reference builds them
    const rng = new SeededRng(context.seed ?? 0);
    const init = Math.log(Math.exp(options.initPredVar - options.eps) - 1);
    const regressors: VidRegressor[] = [];
    const logScales: tf.Variable[] = [];
    for (let i = 0; i < n; i++) {
      const s = shapes.model[sNames[i]!]!.at(-1)!;
      const t = shapes.reference[tNames[i]!]!.at(-1)!;
      regressors.push([torchUniformVariable([1, 1, s, t], s, rng), torchUniformVariable([1, 1, t, t], t, rng), torchUniformVariable([1, 1, t, t], t, rng)]);
      logScales.push(tf.tidy(() => tf.variable(tf.fill([t], init), options.trainLogScale)));
    }
    const weights = regressors.flat() as tf.Variable[];
    return featureTerm({
      name: 'vid',
      ceWeight: options.ceWeight,
      weight: options.weight,
      variables: options.trainLogScale ? { trainable: [...weights, ...logScales], state: [] } : { trainable: weights, state: logScales },
      featureLoss: (ctx) => {
        const [fs, ft] = pairedStages(ctx, 'vid');
        return tf.addN(regressors.map((r, i) => vidLoss(r, logScales[i]!, fs[i]!, ft[i]!, options.eps))) as tf.Scalar;
      },
    });
  },
};
