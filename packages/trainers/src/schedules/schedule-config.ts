import { NamedRegistry, parseConfig } from '@dkl/core';
import { z } from 'zod';
import { builtinSchedules } from './builtin-schedules.js';
import type { ScheduleDefinition } from './schedule-definition.js';
import { linearWarmup, type LearningRateSchedule } from './schedules.js';

/**
 * The keys of `schedule` the framework owns (which one, its base rate, and the linear warm-up
 * wrapped around it); every other key belongs to the named schedule.
 */
export const scheduleCommonShape = {
  name: z.string().min(1),
  lr: z.number().positive(),
  warmupEpochs: z.number().int().min(0).default(0),
};

/**
 * `schedule` as a run config parses it: the common keys plus the schedule's own, which its
 * {@link ScheduleDefinition}'s schema validates (`multistep`: milestones, gamma; `cosine`: minLr, variant).
 */
export const scheduleConfigSchema = z.object(scheduleCommonShape).catchall(z.unknown());

export type ScheduleConfig = z.input<typeof scheduleConfigSchema>;

/** A `schedule` block checked against its definition: `config` is `{ name, lr, ...options, warmupEpochs }` with defaults filled in. */
export interface ResolvedSchedule {
  readonly definition: ScheduleDefinition;
  readonly lr: number;
  readonly warmupEpochs: number;
  readonly options: Record<string, unknown>;
  readonly config: z.output<typeof scheduleConfigSchema>;
}

const builtinRegistry = new NamedRegistry<ScheduleDefinition>('schedule', builtinSchedules);

/**
 * Looks the schedule up in `registry` (unknown names fail at `<keyPath>.name`, listing the
 * registered ones) and parses its own keys with the definition's schema (`<keyPath>.<key>`).
 */
export function resolveSchedule(config: ScheduleConfig, keyPath = 'schedule', registry: NamedRegistry<ScheduleDefinition> = builtinRegistry): ResolvedSchedule {
  const { name, lr, warmupEpochs, ...own } = parseConfig(scheduleConfigSchema, config, keyPath);
  const definition = registry.get(name, `${keyPath}.name`);
  const options = parseConfig(definition.schema, own, keyPath) as Record<string, unknown>;
  return { definition, lr, warmupEpochs, options, config: { name, lr, ...options, warmupEpochs } };
}

/** Builds a schedule from config; `epochs` is the run length (for cosine). The built-ins unless a registry is given. */
export function createSchedule(config: ScheduleConfig, epochs: number, keyPath = 'schedule', registry?: NamedRegistry<ScheduleDefinition>): LearningRateSchedule {
  const { definition, lr, warmupEpochs, options } = resolveSchedule(config, keyPath, registry);
  return linearWarmup(definition.create({ ...options, lr }, { epochs }), warmupEpochs);
}
