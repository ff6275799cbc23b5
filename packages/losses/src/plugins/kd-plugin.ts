import * as tf from '@tensorflow/tfjs';
import type { LossDefinition } from '@dkl/core';
import { kdLoss } from '../functions/kd-loss.js';
import { referenceTerm } from './loss-parts.js';
import { fields, strictOptions } from './schema-fields.js';

const schema = strictOptions({
  temperature: fields.temperature.default(4),
  weight: fields.nonNegative.default(0.9),
  ceWeight: fields.ceWeight.default(0.1),
  /**
   * Which logits the hard-label CE is on: the student's (default), or the reference's, as the DKL
   * authors' `KD.MUTUAL: True` computes it (a logged constant: the frozen teacher gets no update).
   */
  ceTarget: fields.ceTarget.default('logits'),
  warmup: fields.warmup.default(1),
  validate: fields.validate.default(true),
});

/** `kd`: `ceWeight * CE + warm-up * weight * kdLoss` (defaults: mdistiller's KD, T 4, 0.1 / 0.9). */
export const kdLossDefinition: LossDefinition<typeof schema> = {
  name: 'kd',
  description: 'Hinton knowledge distillation T^2 KL(teacher || student) plus hard-label CE',
  schema,
  needsReference: true,
  create(options) {
    return referenceTerm('kd', options, (context, reference) => tf.mul(kdLoss(context.logits, reference, options), options.weight) as tf.Scalar);
  },
};
