import * as tf from '@tensorflow/tfjs';
import type { LossDefinition } from '@dkl/core';
import { tradesLoss } from '../functions/trades-loss.js';
import { referenceTerm } from './loss-parts.js';
import { fields, strictOptions } from './schema-fields.js';

const schema = strictOptions({
  beta: fields.nonNegative.default(6),
  ceWeight: fields.ceWeight.default(1),
  ceTarget: fields.ceTarget.default('reference'),
  warmup: fields.warmup.default(1),
  validate: fields.validate.default(true),
});

/**
 * `trades`: `ceWeight * CE(natural) + beta * KL(softmax(natural) || softmax(adversarial))`
 * (TRADES; `reference` = natural logits, `logits` = adversarial logits; beta 6 as in the TRADES paper,
 * the DKL authors' CIFAR-100 baseline script uses 9).
 */
export const tradesLossDefinition: LossDefinition<typeof schema> = {
  name: 'trades',
  description: 'TRADES: CE on natural logits + beta * KL(natural || adversarial), both sides trainable',
  schema,
  needsReference: true,
  create(options) {
    return referenceTerm('trades', options, (context, reference) => tf.mul(tradesLoss(reference, context.logits, options), options.beta) as tf.Scalar);
  },
};
