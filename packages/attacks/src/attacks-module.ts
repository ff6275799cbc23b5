import { ConfigError, TrainingPluginDefinition, type PluginCreationContext } from '@dkl/core';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { AttackDefinition } from './attack-definition.js';
import { builtinAttacks } from './builtin-attacks.js';
import { RobustEvalPlugin, type RobustEvalData } from './robust-eval-plugin.js';

/**
 * Token an application binds to the held-out data of the `robust-eval` plugin (tensors
 * `{ x, y }` or a core BatchLoader): config cannot hold tensors.
 */
export const RobustEvalDataSource = Symbol('RobustEvalDataSource');

/** Config options of the `robust-eval` plugin. */
export const robustEvalSchema = z
  .object({
    /**
     * A registered attack by name, its threat model, and its own options (`steps`, `restarts`,
     * `apgdSteps`...), which the attack's schema checks when the plugin is created.
     */
    attack: z
      .object({
        name: z.string().min(1),
        eps: z.number().min(0),
        norm: z.enum(['linf', 'l2']).default('linf'),
        seed: z.union([z.number().int(), z.string()]).optional(),
      })
      .catchall(z.unknown()),
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
  create: ({ data, ...options }, context) => new RobustEvalPlugin({ ...options, attacks: registeredAttacks(context), data: resolveData(data, context) }),
};

/** The attacks bound in the run's container (this package's and any plugin package's). */
function registeredAttacks(context: PluginCreationContext): readonly AttackDefinition<any>[] {
  try {
    return context.resolve<AttackDefinition<any>[]>(AttackDefinitions);
  } catch {
    return builtinAttacks; // a container without attacksModule's bindings (plugin used on its own)
  }
}

/** Token of every bound AttackDefinition as one array (what robust-eval looks names up in). */
export const AttackDefinitions = Symbol.for('@dkl/attacks/AttackDefinitions');

/**
 * The package's ContainerModule: binds the `robust-eval` TrainingPluginDefinition and one
 * `AttackDefinition` per built-in attack; a plugin package adds an attack the same way.
 */
export const attacksModule = new ContainerModule((options) => {
  options.bind(TrainingPluginDefinition).toConstantValue(robustEvalPluginDefinition as unknown as TrainingPluginDefinition);
  for (const attack of builtinAttacks) options.bind<AttackDefinition<any>>(AttackDefinition).toConstantValue(attack);
  options.bind(AttackDefinitions).toDynamicValue((context) => context.getAll<AttackDefinition<any>>(AttackDefinition));
});
