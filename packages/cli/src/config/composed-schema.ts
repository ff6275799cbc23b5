/**
 * The run config's JSON Schema composed from what is registered: `trainer` is one alternative per
 * registered trainer (its own keys included), each transform step one per registered kind,
 * `optimizer` and `schedule` one per registered name (its own keys included), and every component
 * reference (dataset, model, loss, plugin) one alternative per registered name with that
 * contribution's options schema. A package that adds any of them gets editor completion with no
 * edit here.
 */
import { componentRefSchema } from '@dkl/core';
import { scheduleCommonShape } from '@dkl/trainers';
import { z } from 'zod';
import type { Application } from '../run/application.js';
import { buildRunConfigSchema, engineTrainerShape, looseParts, modelSourceName, type ContributedSchemas } from './run-config.js';

interface Contribution {
  readonly name: string;
  readonly description?: string;
  readonly schema?: z.ZodType;
}

/** One alternative per contribution, or the loose schema when nothing is registered. */
function alternatives(entries: readonly z.ZodType[], loose: z.ZodType): z.ZodType {
  if (entries.length === 0) return loose;
  if (entries.length === 1) return entries[0]!;
  return z.union(entries as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]);
}

/** `{ name: <one of them>, options: <its schema> }` per contribution. */
function componentRefs(contributions: readonly Contribution[]): z.ZodType {
  const refs = contributions.map((c) => {
    const ref = componentRefSchema.extend({ name: z.literal(c.name), ...(c.schema ? { options: c.schema.optional() } : {}) });
    return c.description ? ref.describe(c.description) : ref;
  });
  return alternatives(refs, componentRefSchema);
}

/**
 * `models.<role>` alternatives of one source: its schema plus the run's keys (`source`, `cache`).
 * The default source (zoo) is optional to name and gets one alternative per registered
 * architecture, with that architecture's options.
 */
function modelAlternatives(app: Application, sourceName: string): z.ZodType[] {
  const source = app.modelSources.get(sourceName);
  if (!(source.schema instanceof z.ZodObject)) return [];
  const isDefault = modelSourceName({}) === sourceName;
  const base = source.schema.extend({ source: isDefault ? z.literal(sourceName).optional() : z.literal(sourceName), cache: z.boolean().optional() });
  if (!isDefault || !('name' in source.schema.shape)) return [base.describe(source.description)];
  return app.models.names().map((name) => {
    const definition = app.models.get(name);
    return base.extend({ name: z.literal(name), ...(definition.schema ? { options: definition.schema.optional() } : {}) }).describe(definition.description);
  });
}

/** The contributed parts of the run config, from the application's registries. */
export function contributedSchemas(app: Application): ContributedSchemas {
  const loss = componentRefs(app.losses.names().map((n) => app.losses.definition(n)));
  const trainers = app.trainers.names().map((name) => {
    const definition = app.trainers.get(name);
    const own = definition.schema instanceof z.ZodObject ? definition.schema.shape : {};
    return z
      .object({ ...engineTrainerShape, losses: z.array(loss).default([]), ...own, type: z.literal(name) })
      .strict()
      .describe(definition.description);
  });
  const models = app.modelSources.names().flatMap((sourceName) => modelAlternatives(app, sourceName));
  const named = (contributions: readonly Contribution[], common: z.ZodRawShape) =>
    contributions.map((c) => {
      const own = c.schema instanceof z.ZodObject ? c.schema.shape : {};
      return z.object({ ...common, ...own, name: z.literal(c.name) }).strict().describe(c.description ?? c.name);
    });
  const optimizers = named(app.optimizers.names().map((n) => app.optimizers.get(n)), {});
  const { name: _name, ...scheduleCommon } = scheduleCommonShape;
  const schedules = named(app.schedules.names().map((n) => app.schedules.get(n)), scheduleCommon);
  return {
    trainer: alternatives(trainers, looseParts.trainer),
    transform: alternatives(app.transforms.allSchemas(), looseParts.transform),
    dataset: componentRefs(app.datasets.names().map((n) => app.datasets.get(n))),
    model: alternatives(models, looseParts.model),
    loss,
    plugin: componentRefs(app.plugins.names().map((n) => app.plugins.get(n))),
    optimizer: alternatives(optimizers, looseParts.optimizer),
    schedule: alternatives(schedules, looseParts.schedule),
  };
}

/** JSON Schema of run configs for this application (`dkl schema > dkl.schema.json`). */
export function runConfigJsonSchema(app: Application): unknown {
  return z.toJSONSchema(buildRunConfigSchema(contributedSchemas(app)), { io: 'input', unrepresentable: 'any' });
}
