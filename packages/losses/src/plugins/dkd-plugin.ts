import * as tf from '@tensorflow/tfjs';
import type { LossDefinition } from '@dkl/core';
import { dkdLoss } from '../functions/dkd-loss.js';
import { referenceTerm } from './loss-parts.js';
import { fields, strictOptions } from './schema-fields.js';

const schema = strictOptions({
  alpha: fields.nonNegative.default(1),
  beta: fields.nonNegative.default(8),
  temperature: fields.temperature.default(4),
  ceWeight: fields.ceWeight.default(1),
  warmup: fields.warmup.default(20),
  validate: fields.validate.default(true),
});

/** `dkd`: `ceWeight * CE + warm-up * dkdLoss` (defaults: mdistiller's CIFAR-100 DKD, alpha 1, beta 8, T 4, warm-up 20). */
export const dkdLossDefinition: LossDefinition<typeof schema> = {
  name: 'dkd',
  description: 'decoupled knowledge distillation alpha*TCKD + beta*NCKD (Zhao et al. 2022) plus hard-label CE',
  schema,
  needsReference: true,
  // DKD splits every distribution at the ground-truth class (its target / non-target mask).
  requirements: () => ({ reference: true, classPrior: false, hardLabels: true }),
  create(options) {
    return referenceTerm('dkd', options, (context, reference) => dkdLoss(context.logits, reference, context.labels, options) as tf.Scalar);
  },
};
