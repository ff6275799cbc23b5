import { z } from 'zod';
import { defineSchedule, type ScheduleDefinition } from './schedule-definition.js';
import { constantSchedule, cosineSchedule, multiStepSchedule } from './schedules.js';

/** `constant`: `lr` every epoch. */
export const constantScheduleDefinition = defineSchedule({
  name: 'constant',
  description: 'the same learning rate every epoch',
  schema: z.object({}).strict(),
  create: (options) => constantSchedule(options.lr),
});

/** `multistep`: {@link multiStepSchedule}, mdistiller's milestones by default. */
export const multiStepScheduleDefinition = defineSchedule({
  name: 'multistep',
  description: "step decay: lr * gamma^(milestones passed), mdistiller's (x0.1 after epochs 150, 180, 210)",
  schema: z
    .object({
      milestones: z.array(z.number().int().positive()).default([150, 180, 210]),
      gamma: z.number().positive().default(0.1),
    })
    .strict(),
  create: (options) => multiStepSchedule(options.lr, options.milestones, options.gamma),
});

/** `cosine`: {@link cosineSchedule} over the run's epochs. */
export const cosineScheduleDefinition = defineSchedule({
  name: 'cosine',
  description: "cosine annealing over the run to minLr (PyTorch's CosineAnnealingLR, or the IKL-AT scripts' dkl-at variant)",
  schema: z
    .object({
      minLr: z.number().min(0).default(0),
      variant: z.enum(['pytorch', 'dkl-at']).default('pytorch'),
    })
    .strict(),
  create: (options, { epochs }) => cosineSchedule(options.lr, epochs, { minLr: options.minLr, variant: options.variant }),
});

/** The built-in schedules, in the order `dkl` lists them. */
export const builtinSchedules: readonly ScheduleDefinition<any>[] = [constantScheduleDefinition, multiStepScheduleDefinition, cosineScheduleDefinition];
