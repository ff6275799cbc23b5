import { NamedRegistry, parseConfig } from '@dkl/core';
import { z } from 'zod';
import { builtinOptimizers } from './builtin-optimizers.js';
import type { Optimizer } from './optimizer.js';
import type { OptimizerDefinition } from './optimizer-definition.js';

/**
 * `optimizer` as a run config parses it: a registered name plus the optimizer's own keys, which
 * its {@link OptimizerDefinition}'s schema validates (`sgd`: momentum 0.9, weight decay 5e-4 by default).
 */
export const optimizerConfigSchema = z.object({ name: z.string().min(1) }).catchall(z.unknown());

export type OptimizerConfig = z.input<typeof optimizerConfigSchema>;

/** An `optimizer` block checked against its definition: `config` is `{ name, ...options }` with defaults filled in. */
export interface ResolvedOptimizer {
  readonly definition: OptimizerDefinition;
  readonly options: unknown;
  readonly config: z.output<typeof optimizerConfigSchema>;
}

const builtinRegistry = new NamedRegistry<OptimizerDefinition>('optimizer', builtinOptimizers);

/**
 * Looks the optimizer up in `registry` (unknown names fail at `<keyPath>.name`, listing the
 * registered ones) and parses its options with the definition's schema (`<keyPath>.<key>`).
 */
export function resolveOptimizer(config: OptimizerConfig, keyPath = 'optimizer', registry: NamedRegistry<OptimizerDefinition> = builtinRegistry): ResolvedOptimizer {
  const { name, ...own } = parseConfig(optimizerConfigSchema, config, keyPath);
  const definition = registry.get(name, `${keyPath}.name`);
  const options = parseConfig(definition.schema, own, keyPath);
  return { definition, options, config: { name, ...(options as Record<string, unknown>) } };
}

/** Builds an optimizer from config (`{ name: 'sgd', momentum: 0.9, weightDecay: 5e-4 }`); the built-ins unless a registry is given. */
export function createOptimizer(config: OptimizerConfig, keyPath = 'optimizer', registry?: NamedRegistry<OptimizerDefinition>): Optimizer {
  const { definition, options } = resolveOptimizer(config, keyPath, registry);
  return definition.create(options);
}
