import { parseConfig } from '@dkl/core';
import { z } from 'zod';
import { AdamW } from './adamw.js';
import type { Optimizer } from './optimizer.js';
import { Sgd } from './sgd.js';

export const optimizerConfigSchema = z.discriminatedUnion('name', [
  z
    .object({
      name: z.literal('sgd'),
      momentum: z.number().min(0).default(0.9),
      nesterov: z.boolean().default(false),
      weightDecay: z.number().min(0).default(5e-4),
    })
    .strict(),
  z
    .object({
      name: z.literal('adamw'),
      beta1: z.number().min(0).lt(1).default(0.9),
      beta2: z.number().min(0).lt(1).default(0.999),
      epsilon: z.number().positive().default(1e-8),
      weightDecay: z.number().min(0).default(0.01),
    })
    .strict(),
]);

export type OptimizerConfig = z.input<typeof optimizerConfigSchema>;

/** Builds an optimizer from config (`{ name: 'sgd', momentum: 0.9, weightDecay: 5e-4 }`). */
export function createOptimizer(config: OptimizerConfig, keyPath = 'optimizer'): Optimizer {
  const parsed = parseConfig(optimizerConfigSchema, config, keyPath);
  switch (parsed.name) {
    case 'sgd':
      return new Sgd(parsed);
    case 'adamw':
      return new AdamW(parsed);
  }
}
