/**
 * The run configuration: one YAML/JSON document naming the dataset, model(s), trainer, loss
 * terms, optimizer, schedule, plugins and third-party packages. Validated by zod; errors carry
 * the key path and the allowed values.
 */
import { backendNameSchema, componentRefSchema, seedSchema } from '@dkl/core';
import { transformSpecSchema } from '@dkl/data';
import { optimizerConfigSchema, scheduleConfigSchema } from '@dkl/trainers';
import { z } from 'zod';

/** A transform step of @dkl/data's pipeline, validated by its zod schema (every kind, discriminated by `kind`). */
const transformSchema = transformSpecSchema;

const subsetSchema = z
  .object({
    /** Keep at most this many examples per class (stratified, seeded). */
    perClass: z.number().int().positive().optional(),
    /** Long-tailed subsampling with this imbalance factor (max/min class size). */
    imbalanceFactor: z.number().min(1).optional(),
    /** Long-tailed selection: seeded random per class (default), or the first of each class (seed-independent CIFAR-LT). */
    select: z.enum(['random', 'first']).optional(),
  })
  .strict();

export const splitConfigSchema = z
  .object({
    split: z.string().min(1),
    batchSize: z.number().int().positive(),
    shuffle: z.boolean().optional(),
    dropLast: z.boolean().default(false),
    transforms: z.array(transformSchema).default([]),
    subset: subsetSchema.optional(),
    workers: z.union([z.literal('auto'), z.number().int().min(0)]).default(0),
  })
  .strict();

export const dataConfigSchema = z
  .object({
    dataset: componentRefSchema,
    train: splitConfigSchema,
    /** Evaluation splits by name (e.g. `test`), each evaluated after every `evaluation.every` epochs. */
    eval: z.record(z.string(), splitConfigSchema).default({}),
  })
  .strict();

export const modelConfigSchema = z
  .object({
    /** Architecture name as registered (`resnet8x4`, `wrn_16_2`, `tiny_cnn`...). */
    name: z.string().min(1),
    /** Extra architecture options (e.g. wrn depth/width). */
    options: z.record(z.string(), z.unknown()).optional(),
    /** Weights to load: a dkl model directory (model.json) or a PyTorch checkpoint (.pth/.pt). */
    weights: z.string().min(1).optional(),
  })
  .strict();

/** How to obtain a teacher that has no weights file: train it first, cached by config hash. */
export const teacherTrainingSchema = z
  .object({
    /** Teacher training data if different from `data.train` (e.g. more examples than the students get). */
    train: splitConfigSchema.optional(),
    /** Seed of the teacher's initialisation and training (default: the run's seed). Fix it to share one teacher across student seeds. */
    seed: seedSchema.optional(),
    epochs: z.number().int().positive(),
    optimizer: optimizerConfigSchema,
    schedule: scheduleConfigSchema,
  })
  .strict();

export const attackConfigSchema = z
  .object({
    norm: z.enum(['linf', 'l2']).default('linf'),
    epsilon: z.number().min(0),
    epsilonSchedule: z.enum(['constant', 'linear']).default('constant'),
    budget: z.enum(['fixed', 'low', 'high-as-run', 'high-intended']).default('fixed'),
    steps: z.number().int().positive().optional(),
    stepSize: z.number().positive().optional(),
    stepSizeRatio: z.number().positive().optional(),
    randomStart: z.enum(['normal', 'uniform', 'none']).default('normal'),
  })
  .strict();

export const trainerConfigSchema = z
  .object({
    type: z.enum(['supervised', 'distillation', 'adversarial']),
    epochs: z.number().int().positive(),
    /** Loss terms summed into the objective (for adversarial: the robust terms). */
    losses: z.array(componentRefSchema).default([]),
    labelSmoothing: z.number().min(0).lt(1).default(0),
    attack: attackConfigSchema.optional(),
    /**
     * What PGD maximises, as a loss term on (natural = reference, adversarial = logits); default:
     * the robust losses themselves. The IKL-AT scripts attack plain DKL (ALPHA = BETA = 1 on
     * CIFAR-100, BETA = 0 on CIFAR-10).
     */
    attackLoss: componentRefSchema.optional(),
    awp: z
      .object({ gamma: z.number().positive().default(0.005), warmupEpochs: z.number().int().min(1).default(10), proxyLearningRate: z.number().positive().default(0.2) })
      .strict()
      .optional(),
    onPluginError: z.enum(['fail', 'warn']).default('fail'),
  })
  .strict();

export const runConfigSchema = z
  .object({
    /** Short run name; the run directory is `<runsDir>/<timestamp>-<name>`. */
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, dot, dash and underscore'),
    description: z.string().optional(),
    seed: seedSchema.default(0),
    backend: z.object({ prefer: z.array(backendNameSchema).min(1).optional() }).strict().default({}),
    data: dataConfigSchema,
    models: z
      .object({ student: modelConfigSchema, teacher: modelConfigSchema.optional(), teacherTraining: teacherTrainingSchema.optional() })
      .strict(),
    trainer: trainerConfigSchema,
    optimizer: optimizerConfigSchema,
    schedule: scheduleConfigSchema,
    evaluation: z.object({ every: z.number().int().positive().default(1) }).strict().default({ every: 1 }),
    /** Plugins by registered name with options (`checkpoint`, `class-prior`, `metrics-log`...). */
    plugins: z.array(componentRefSchema).default([]),
    /** npm packages whose ContainerModule adds losses, plugins, models or datasets. */
    packages: z.array(z.string().min(1)).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.trainer.type === 'distillation' && !config.models.teacher) {
      ctx.addIssue({ code: 'custom', path: ['models', 'teacher'], message: "is required when trainer.type is 'distillation'" });
    }
    if (config.trainer.type === 'adversarial' && !config.trainer.attack) {
      ctx.addIssue({ code: 'custom', path: ['trainer', 'attack'], message: "is required when trainer.type is 'adversarial'" });
    }
    if (config.trainer.type !== 'supervised' && config.trainer.losses.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['trainer', 'losses'], message: `needs at least one loss term for a ${config.trainer.type} run` });
    }
  });

export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** JSON Schema of the run config, for editor completion (`dkl schema > dkl.schema.json`). */
export function runConfigJsonSchema(): unknown {
  return z.toJSONSchema(runConfigSchema, { io: 'input', unrepresentable: 'any' });
}
