import { parseConfig } from '@dkl/core';
import { z } from 'zod';
import { AdamW, adamWOptionsSchema } from './adamw.js';
import type { Optimizer } from './optimizer.js';
import { Sgd, sgdOptionsSchema } from './sgd.js';

/** The optimizers' own options; SGD's defaults are the CIFAR recipe's (momentum 0.9, weight decay 5e-4). */
export const optimizerConfigSchema = z.discriminatedUnion('name', [
  sgdOptionsSchema.extend({
    name: z.literal('sgd'),
    momentum: sgdOptionsSchema.shape.momentum.removeDefault().default(0.9),
    weightDecay: sgdOptionsSchema.shape.weightDecay.removeDefault().default(5e-4),
  }),
  adamWOptionsSchema.extend({ name: z.literal('adamw') }),
]);

export type OptimizerConfig = z.input<typeof optimizerConfigSchema>;

/** Builds an optimizer from config (`{ name: 'sgd', momentum: 0.9, weightDecay: 5e-4 }`). */
export function createOptimizer(config: OptimizerConfig, keyPath = 'optimizer'): Optimizer {
  const parsed = parseConfig(optimizerConfigSchema, config, keyPath);
  switch (parsed.name) {
    case 'sgd': {
      const { name: _name, ...options } = parsed;
      return new Sgd(options);
    }
    case 'adamw': {
      const { name: _name, ...options } = parsed;
      return new AdamW(options);
    }
  }
}
