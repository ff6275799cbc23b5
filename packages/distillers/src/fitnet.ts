/** FitNet (Romero et al. 2015), as mdistiller's `distillers/FitNet.py`. */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, requireFeature, stageFeatureNames, type LossDefinition } from '@dkl/core';
import { z } from 'zod';
import { ConvReg } from './common/conv-reg.js';
import { FEATURE_REQUIREMENTS, featureTerm, weightFields } from './common/feature-term.js';

/** Mean squared error between the regressed student hint and the teacher's. */
export function fitnetLoss(regressed: tf.Tensor, teacher: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(regressed, teacher)));
}

const schema = z.strictObject({
  /** Index into `feats` (0 = stem, 1.. = stages), mdistiller `FITNET.HINT_LAYER`. */
  hintLayer: z.number().int().min(0).default(2),
  ...weightFields(100),
});

/** `fitnet`: hint learning through a trainable ConvReg connector, mdistiller defaults. */
export const fitnetDefinition: LossDefinition<typeof schema> = {
  name: 'fitnet',
  description: "FitNet hints: MSE between a ConvReg-regressed student feature and the teacher's, at feats[hintLayer]",
  schema,
  needsReference: true,
  requirements: () => FEATURE_REQUIREMENTS,
  create: (options, context = {}) => {
    const where = context.keyPath ?? 'fitnet';
    const shapes = context.featureShapes;
    if (!shapes?.reference) throw new ConfigError(where, "loss 'fitnet' sizes its connector from both models' feature shapes, which the trainer did not give (use trainer.type distillation)");
    const sName = stageFeatureNames(Object.keys(shapes.model))[options.hintLayer];
    const tName = stageFeatureNames(Object.keys(shapes.reference))[options.hintLayer];
    if (!sName || !tName) {
      throw new ConfigError(`${where}.options.hintLayer`, `is ${options.hintLayer}, but the student has ${stageFeatureNames(Object.keys(shapes.model)).length} and the teacher ${stageFeatureNames(Object.keys(shapes.reference)).length} stage features (feats)`);
    }
    const reg = new ConvReg(shapes.model[sName]!, shapes.reference[tName]!, context.seed ?? 0, `${where} (feats[${options.hintLayer}])`);
    return featureTerm({
      name: 'fitnet',
      ceWeight: options.ceWeight,
      weight: options.weight,
      variables: reg.variables,
      featureLoss: (ctx) => fitnetLoss(reg.forward(requireFeature(ctx.features, sName, 'fitnet', 'model') as tf.Tensor4D), requireFeature(ctx.referenceFeatures, tName, 'fitnet', 'reference')),
    });
  },
};
