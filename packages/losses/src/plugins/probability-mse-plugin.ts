import * as tf from '@tensorflow/tfjs';
import type { LossDefinition } from '@dkl/core';
import { probabilityMse } from '../functions/probability-mse.js';
import { referenceTerm } from './loss-parts.js';
import { fields, strictOptions } from './schema-fields.js';

const schema = strictOptions({
  temperature: fields.temperature.default(1),
  weight: fields.nonNegative.default(1),
  ceWeight: fields.ceWeight.default(0),
  warmup: fields.warmup.default(1),
  validate: fields.validate.default(true),
});

/** `prob-mse`: `ceWeight * CE + warm-up * weight * mean (softmax(t/T) - softmax(r/T))^2` (Mean Teacher's consistency; default no CE). */
export const probabilityMseLossDefinition: LossDefinition<typeof schema> = {
  name: 'prob-mse',
  description: "squared distance between the trained and the reference class probabilities (Mean Teacher's consistency cost), plus optional hard-label CE",
  schema,
  needsReference: true,
  create(options) {
    return referenceTerm('prob-mse', options, (context, reference) => tf.mul(probabilityMse(context.logits, reference, options), options.weight) as tf.Scalar);
  },
};
