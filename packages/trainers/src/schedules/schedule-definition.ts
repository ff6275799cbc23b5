import type { z } from 'zod';
import type { LearningRateSchedule } from './schedules.js';

/** What a schedule's factory gets besides its options. */
export interface ScheduleCreationContext {
  /** The run length (cosine anneals over it). */
  readonly epochs: number;
}

/** Multi-binding token: a learning-rate schedule that config can name in `schedule.name`. */
export const ScheduleDefinition = Symbol.for('@dkl/trainers/ScheduleDefinition');

/**
 * A learning-rate schedule contributed through a ContainerModule. `schema` validates the
 * schedule's own keys under `schedule`: every key besides `name`, `lr` and `warmupEpochs`, which
 * the framework owns. `create` gets them parsed plus `lr`; the framework wraps the result in the
 * linear warm-up of `warmupEpochs`.
 */
export interface ScheduleDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly schema: S;
  create(options: z.output<S> & { readonly lr: number }, context: ScheduleCreationContext): LearningRateSchedule;
}

/** Keeps the option types of a schedule definition literal. */
export function defineSchedule<S extends z.ZodType>(definition: ScheduleDefinition<S>): ScheduleDefinition<S> {
  return definition;
}
