import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import type { LossDefinition } from '@dkl/core';
import { crossEntropy } from '../functions/cross-entropy.js';
import type { DecomposableLossTerm } from './loss-parts.js';
import { fields, strictOptions } from './schema-fields.js';

const schema = strictOptions({
  labelSmoothing: z.number().min(0).lt(1).default(0),
  weight: fields.nonNegative.default(1),
  validate: fields.validate.default(true),
});

/** `ce`: hard-label cross-entropy on the trained logits, optionally label-smoothed. */
export const crossEntropyLossDefinition: LossDefinition<typeof schema> = {
  name: 'ce',
  description: 'hard-label cross-entropy with optional label smoothing (s/(C-1) on the other classes)',
  schema,
  needsReference: false,
  create(options): DecomposableLossTerm {
    const computeParts = (context: Parameters<DecomposableLossTerm['compute']>[0]) => {
      const hardCe = tf.mul(crossEntropy(context.logits, context.targets ?? context.labels, options), options.weight) as tf.Scalar;
      return { total: hardCe, hardCe, warmup: 1 };
    };
    return { name: 'ce', computeParts, compute: (context) => tf.tidy(() => computeParts(context).total) };
  },
};
