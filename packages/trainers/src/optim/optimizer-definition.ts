import type { z } from 'zod';
import type { Optimizer } from './optimizer.js';

/** Multi-binding token: an optimizer that config can name in `optimizer.name`. */
export const OptimizerDefinition = Symbol.for('@dkl/trainers/OptimizerDefinition');

/**
 * An optimizer contributed through a ContainerModule. `schema` validates the optimizer's own keys
 * under `optimizer` (every key besides `name`, which the run owns); `create` gets them parsed.
 */
export interface OptimizerDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly schema: S;
  create(options: z.output<S>): Optimizer;
}

/** Keeps the option types of an optimizer definition literal. */
export function defineOptimizer<S extends z.ZodType>(definition: OptimizerDefinition<S>): OptimizerDefinition<S> {
  return definition;
}
