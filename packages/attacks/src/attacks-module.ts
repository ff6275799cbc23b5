import { ConfigError, TrainingPluginDefinition, type PluginCreationContext } from '@dkl/core';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { ROBUST_EVAL_ATTACKS, RobustEvalPlugin, type RobustEvalData } from './robust-eval-plugin.js';

/**
 * Token an application binds to the held-out data of the `robust-eval` plugin (tensors
 * `{ x, y }` or a core BatchLoader): config cannot hold tensors.
 */
export const RobustEvalDataSource = Symbol('RobustEvalDataSource');

/** Config options of the `robust-eval` plugin. */
export const robustEvalSchema = z
  .object({
    attack: z
      .object({
        name: z.enum(ROBUST_EVAL_ATTACKS),
        eps: z.number().min(0),
        norm: z.enum(['linf', 'l2']).default('linf'),
        steps: z.number().int().min(1).optional(),
        stepSize: z.number().positive().optional(),
        restarts: z.number().int().min(1).optional(),
        seed: z.union([z.number().int(), z.string()]).optional(),
        apgdSteps: z.number().int().min(1).optional(),
        nTargetClasses: z.number().int().min(1).optional(),
        fabSteps: z.number().int().min(1).optional(),
        squareQueries: z.number().int().min(1).optional(),
      })
      .strict(),
    epochs: z.array(z.number().int().min(1)).optional(),
    every: z.number().int().min(1).optional(),
    role: z.string().optional(),
    maxExamples: z.number().int().min(1).optional(),
    batchSize: z.number().int().min(1).optional(),
    split: z.string().default('robust'),
    /** A configured evaluation split (`data.eval.<name>`) to attack; else the RobustEvalDataSource binding. */
    data: z.string().min(1).optional(),
  })
  .strict();

function resolveData(data: string | undefined, context: PluginCreationContext): RobustEvalData {
  if (data !== undefined) {
    const known = context.evalSplits ?? [];
    if (!known.includes(data) || !context.openEvalLoader) {
      throw new ConfigError(
        'plugins.robust-eval.data',
        `names evaluation split '${data}', but the run has ${known.length ? `only ${known.map((k) => `'${k}'`).join(', ')}` : 'no evaluation splits'} (data.eval)`,
      );
    }
    return context.openEvalLoader(data);
  }
  try {
    return context.resolve<RobustEvalData>(RobustEvalDataSource);
  } catch (error) {
    throw new ConfigError(
      'plugins.robust-eval',
      "needs held-out data: set its option data to an evaluation split (e.g. data: 'test') or bind RobustEvalDataSource (from @dkl/attacks) to { x, y } tensors or a BatchLoader",
      { cause: error },
    );
  }
}

/** The `robust-eval` training plugin as config sees it. */
export const robustEvalPluginDefinition: TrainingPluginDefinition<typeof robustEvalSchema> = {
  name: 'robust-eval',
  description: 'robust accuracy under a configured attack (PGD, APGD, FAB-T, Square or AutoAttack) on held-out data at chosen epochs',
  schema: robustEvalSchema,
  create: ({ data, ...options }, context) => new RobustEvalPlugin({ ...options, data: resolveData(data, context) }),
};

/** The package's ContainerModule: binds the `robust-eval` TrainingPluginDefinition. */
export const attacksModule = new ContainerModule((options) => {
  options.bind(TrainingPluginDefinition).toConstantValue(robustEvalPluginDefinition as unknown as TrainingPluginDefinition);
});
