/**
 * The run configuration: one YAML/JSON document naming the dataset, model(s), trainer, loss
 * terms, optimizer, schedule, plugins and third-party packages. Validated by zod; errors carry
 * the key path and the allowed values.
 */
import { backendNameSchema, backendPrecisionSchema, componentRefSchema, seedSchema } from '@dkl/core';
import { mixSpecSchema } from '@dkl/data';
import { optimizerConfigSchema, scheduleConfigSchema } from '@dkl/trainers';
import { z } from 'zod';

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

/**
 * `models.student` / `models.teacher` as commands parse them: the run's own keys (`source`,
 * `cache`) plus the source's options, which its registered `ModelSource` schema validates
 * (`validateAgainstRegistries`). Without `source` it is the zoo's `{ name, options?, weights? }`.
 */
export const modelConfigSchema = z
  .object({
    /** Where the model comes from: `zoo` (default: a registered architecture by `name`), `tfjs`, `onnx`, or a package's source. */
    source: z.string().min(1).optional(),
    /** Teacher only: compute its logits once per training example and reuse them (frozen teacher, deterministic inputs). */
    cache: z.boolean().optional(),
    /** Zoo architecture name (`resnet8x4`, `wrn_16_2`, `tiny_cnn`...). */
    name: z.string().min(1).optional(),
    /** Zoo: extra architecture options (e.g. wrn depth/width). */
    options: z.record(z.string(), z.unknown()).optional(),
    /** Zoo: weights to load, a dkl model directory (model.json) or a PyTorch checkpoint (.pth/.pt). */
    weights: z.string().min(1).optional(),
  })
  .catchall(z.unknown());

/** Keys of `models.<role>` the run owns; every other key belongs to the model source. */
export const RUN_MODEL_KEYS = ['source', 'cache'] as const;

/** The source a model config names (`zoo` when it names none). */
export function modelSourceName(model: { readonly source?: string | undefined }): string {
  return model.source ?? 'zoo';
}

/** The keys of `models.<role>` that belong to its source (everything but `source` and `cache`, undefined values dropped). */
export function modelSourceOptions(model: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(model).filter(([key, value]) => value !== undefined && !(RUN_MODEL_KEYS as readonly string[]).includes(key)));
}

/** Keys of `trainer` the engine owns; every other key belongs to the trainer type's own schema. */
export const ENGINE_TRAINER_KEYS = ['type', 'epochs', 'losses', 'onPluginError'] as const;

export const engineTrainerShape = {
  /** A registered trainer (`supervised`, `distillation`, `adversarial`, or a package's). */
  type: z.string().min(1),
  epochs: z.number().int().positive(),
  /** Loss terms summed into the objective (for adversarial: the robust terms). */
  losses: z.array(componentRefSchema).default([]),
  onPluginError: z.enum(['fail', 'warn']).default('fail'),
};

/**
 * `trainer`: the engine's keys, plus the keys of the trainer type (`labelSmoothing`, `attack`,
 * `awp`...), which the trainer's registered schema validates when the run is checked.
 */
export const trainerConfigSchema = z.object(engineTrainerShape).catchall(z.unknown());

/**
 * The parts of a run config that registered contributions define. Commands parse with
 * {@link looseParts} (names are strings, options are checked against the registries afterwards,
 * see `validateAgainstRegistries`); `dkl schema` composes the registered schemas in (see
 * composed-schema.ts), so editors complete every trainer, transform, loss, plugin, optimizer and schedule.
 */
export interface ContributedSchemas {
  readonly trainer: z.ZodType;
  readonly transform: z.ZodType;
  readonly dataset: z.ZodType;
  readonly model: z.ZodType;
  readonly loss: z.ZodType;
  readonly plugin: z.ZodType;
  readonly optimizer: z.ZodType;
  readonly schedule: z.ZodType;
}

/** The parts as commands parse them. */
export const looseParts = {
  trainer: trainerConfigSchema,
  /** A transform step of @dkl/data's pipeline; its kind's registered schema validates it (see TransformRegistry). */
  transform: z.object({ kind: z.string().min(1) }).catchall(z.unknown()),
  dataset: componentRefSchema,
  model: modelConfigSchema,
  loss: componentRefSchema,
  plugin: componentRefSchema,
  /** `{ name, ...options }`; the named optimizer's registered schema validates the options. */
  optimizer: optimizerConfigSchema,
  /** `{ name, lr, warmupEpochs?, ...options }`; the named schedule's registered schema validates the options. */
  schedule: scheduleConfigSchema,
} as const satisfies ContributedSchemas;

/**
 * The run config's structure with the contributed parts plugged in. Its TypeScript type is the
 * loose one's (composed parts narrow names and options but keep their shape).
 */
export function buildRunConfigSchema(composed: ContributedSchemas = looseParts) {
  const parts = composed as typeof looseParts;
  const split = z
    .object({
      split: z.string().min(1),
      batchSize: z.number().int().positive(),
      shuffle: z.boolean().optional(),
      dropLast: z.boolean().default(false),
      transforms: z.array(parts.transform).default([]),
      /** Batch-level MixUp / CutMix with soft targets (training splits only). */
      mix: mixSpecSchema.optional(),
      subset: subsetSchema.optional(),
      workers: z.union([z.literal('auto'), z.number().int().min(0)]).default(0),
    })
    .strict();
  /**
   * Unlabelled data of a semi-supervised run: the rest of `data.train`'s split after its subset
   * (k labels per class), or a split of its own; each view is the same examples with its own
   * transforms (FixMatch: `weak`, `strong`; Mean Teacher: `student`, `teacher`).
   */
  const unlabelled = z
    .object({
      /** A split of `dataset`. Absent: the examples of `data.train`'s split that its subset leaves out. */
      split: z.string().min(1).optional(),
      /** Where `split` comes from when it is not `data.dataset` (needs `split`). */
      dataset: parts.dataset.optional(),
      /** Unlabelled examples per step (FixMatch: mu * data.train.batchSize). */
      batchSize: z.number().int().positive(),
      shuffle: z.boolean().optional(),
      dropLast: z.boolean().default(true),
      /** Views by name; the trainer declares which it reads. */
      views: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, dash and underscore'), z.object({ transforms: z.array(parts.transform).default([]) }).strict()),
      workers: z.union([z.literal('auto'), z.number().int().min(0)]).default(0),
    })
    .strict();
  /** How to obtain a teacher that has no weights file: train it first, cached by config hash. */
  const teacherTraining = z
    .object({
      /** Teacher training data if different from `data.train` (e.g. more examples than the students get). */
      train: split.optional(),
      /** Seed of the teacher's initialisation and training (default: the run's seed). Fix it to share one teacher across student seeds. */
      seed: seedSchema.optional(),
      epochs: z.number().int().positive(),
      optimizer: parts.optimizer,
      schedule: parts.schedule,
    })
    .strict();
  return z
    .object({
      /** Short run name; the run directory is `<runsDir>/<timestamp>-<name>`. */
      name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, dot, dash and underscore'),
      description: z.string().optional(),
      seed: seedSchema.default(0),
      backend: z
        .object({
          prefer: z.array(backendNameSchema).min(1).optional(),
          /** dkl-native's convolutions and matmuls in bf16 (fp32 accumulation; the rest fp32). DKL_NATIVE_PRECISION overrides it. */
          precision: backendPrecisionSchema.optional(),
        })
        .strict()
        .default({}),
      data: z
        .object({
          dataset: parts.dataset,
          train: split,
          /** Evaluation splits by name (e.g. `test`), each evaluated after every `evaluation.every` epochs. */
          eval: z.record(z.string(), split).default({}),
          /** Unlabelled data for semi-supervised trainers (`fixmatch`, `mean-teacher`). */
          unlabelled: unlabelled.optional(),
        })
        .strict(),
      models: z.object({ student: parts.model, teacher: parts.model.optional(), teacherTraining: teacherTraining.optional() }).strict(),
      trainer: parts.trainer,
      optimizer: parts.optimizer,
      schedule: parts.schedule,
      evaluation: z.object({ every: z.number().int().positive().default(1) }).strict().default({ every: 1 }),
      /** Plugins by registered name with options (`checkpoint`, `class-prior`, `metrics-log`...). */
      plugins: z.array(parts.plugin).default([]),
      /** npm packages whose ContainerModule adds losses, plugins, models, datasets, trainers, transforms, optimizers or schedules. */
      packages: z.array(z.string().min(1)).default([]),
    })
    .strict();
}

/** The run config as every command parses it (see {@link looseParts}). */
export const runConfigSchema = buildRunConfigSchema();

/** One split of `data` (`data.train`, `data.eval.<name>`, `models.teacherTraining.train`). */
export const splitConfigSchema = runConfigSchema.shape.data.shape.train;

export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Keys of `trainer` that belong to the trainer type (everything but the engine's). */
export function trainerOwnOptions(trainer: RunConfig['trainer']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(trainer).filter(([key]) => !(ENGINE_TRAINER_KEYS as readonly string[]).includes(key)));
}
