import * as path from 'node:path';
import { ClassPriorStore, TrainingPluginDefinition } from '@dkl/core';
import { ContainerModule } from 'inversify';
import { z } from 'zod';
import { CheckpointPlugin } from './checkpoint.js';
import { classPriorLabels, ClassPriorUpdater } from './class-prior-updater.js';
import { EarlyStopping } from './early-stopping.js';
import { MetricsLog } from './metrics-log.js';
import { ProgressBar } from './progress.js';
import { TensorBoardLogger } from './tensorboard/tensorboard-logger.js';
import { LearningRateMonitor, Timer } from './timer.js';
import { WeightAveraging } from './weight-averaging.js';

/** Keeps each definition's option types while storing them in one list. */
const define = <S extends z.ZodType>(definition: TrainingPluginDefinition<S>): TrainingPluginDefinition => definition as unknown as TrainingPluginDefinition;

const definitions: TrainingPluginDefinition[] = [
  define({
    name: 'class-prior',
    description: "IKL's class-wise prior: per-epoch mean softmax per class, published to the ClassPriorStore",
    schema: z
      .object({
        source: z.enum(['teacherLogits', 'naturalLogits', 'logits', 'unlabelledTeacherLogits']).optional(),
        temperature: z.number().positive().default(1),
        momentum: z.number().gt(0).max(1).default(1),
      })
      .strict(),
    reads: (o) => [o.source ? classPriorLabels(o.source) : 'labels', o.source ?? ['teacherLogits', 'naturalLogits']],
    writesClassPrior: true,
    create: (o, ctx) => new ClassPriorUpdater(ctx.resolve(ClassPriorStore), { numClasses: ctx.numClasses, ...o }),
  }),
  define({
    name: 'checkpoint',
    description: 'atomic run snapshots every N epochs, steps or minutes (keep N), a final one, best by an evaluation metric, epoch archives',
    schema: z
      .object({
        every: z
          .union([
            z.object({ epochs: z.number().int().positive() }).strict(),
            z.object({ steps: z.number().int().positive() }).strict(),
            z.object({ minutes: z.number().positive() }).strict(),
          ])
          .default({ epochs: 1 }),
        keep: z.number().int().min(1).default(1),
        archiveEvery: z.number().int().min(0).default(0),
        saveLast: z.boolean().default(true),
        best: z.object({ split: z.string(), metric: z.string(), mode: z.enum(['max', 'min']) }).strict().optional(),
      })
      .strict(),
    create: (o, ctx) => new CheckpointPlugin({ dir: path.join(ctx.runDir, 'checkpoints'), ...o }),
  }),
  define({
    name: 'early-stopping',
    description: 'stop when a metric stops improving',
    schema: z
      .object({ split: z.string(), metric: z.string(), mode: z.enum(['min', 'max']), patience: z.number().int().min(0), minDelta: z.number().min(0).default(0) })
      .strict(),
    create: (o) => new EarlyStopping(o),
  }),
  define({
    name: 'metrics-log',
    description: 'metrics.jsonl and metrics.csv in the run directory',
    schema: z.object({ batchInterval: z.number().int().min(0).default(0) }).strict(),
    create: (o, ctx) => new MetricsLog({ dir: ctx.runDir, ...o }),
  }),
  define({
    name: 'tensorboard',
    description: 'TensorBoard scalar event files under <run>/tensorboard',
    schema: z.object({ batchInterval: z.number().int().min(0).default(0) }).strict(),
    create: (o, ctx) => new TensorBoardLogger({ dir: path.join(ctx.runDir, 'tensorboard'), ...o }),
  }),
  define({
    name: 'progress',
    description: 'terminal progress bar (plain lines when not a TTY)',
    schema: z.object({ throttleMs: z.number().min(0).default(200), plainIntervalMs: z.number().min(0).default(30_000) }).strict(),
    create: (o) => new ProgressBar(o),
  }),
  define({
    name: 'weight-averaging',
    description: 'EMA of all model variables per epoch or per step',
    schema: z
      .object({ id: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(), role: z.string().optional(), every: z.enum(['epoch', 'step']).default('epoch'), decay: z.number().min(0).lt(1).default(0.9), startEpoch: z.number().int().min(1).default(1) })
      .strict(),
    create: (o) => new WeightAveraging(o),
  }),
  define({ name: 'timer', description: 'wall-clock time per epoch, evaluation and run', schema: z.object({}).strict(), create: () => new Timer() }),
  define({ name: 'lr-monitor', description: 'learning rate per epoch', schema: z.object({}).strict(), create: () => new LearningRateMonitor() }),
];

/** Binds every plugin of this package as a TrainingPluginDefinition, so config can name them. */
export const callbacksModule = new ContainerModule((options) => {
  for (const definition of definitions) options.bind(TrainingPluginDefinition).toConstantValue(definition);
});
