import { ConfigError, parseConfig } from '@dkl/core';
import { resolveOptimizer, resolveSchedule } from '@dkl/trainers';
import { trainerOwnOptions, type RunConfig } from '../config/run-config.js';
import type { Application } from './application.js';
import { checkRunRequirements } from './requirements.js';
import { resolveModelSource } from './build-models.js';
import { checkTeacherCache } from './teacher-cache.js';
import { checkUnlabelledData } from './unlabelled-data.js';

/**
 * Checks every name and options block against the registries, and every loss's and plugin's
 * requirements against the trainer, without loading data or building models: what `--dry-run`
 * promises, and what every run passes before it is assembled. Throws ConfigError with the key
 * path of the first problem. Returns the config with the trainer's, the optimizer's and the
 * schedule's keys and every transform step completed by their registered schemas' defaults (what
 * `--dry-run` prints and a run directory keeps).
 */
export function validateAgainstRegistries(app: Application, config: RunConfig): RunConfig {
  const dataset = app.datasets.get(config.data.dataset.name, 'data.dataset.name');
  parseConfig(dataset.schema, config.data.dataset.options, 'data.dataset.options');
  for (const role of ['student', 'teacher'] as const) {
    const model = config.models[role];
    if (model) resolveModelSource(app, model, role, `models.${role}`);
  }
  const trainer = app.trainers.get(config.trainer.type, 'trainer.type');
  checkTeacherCache(config, trainer);
  const trainerOptions = parseConfig(trainer.schema, trainerOwnOptions(config.trainer), 'trainer');
  if (trainer.teacher === 'required' && !config.models.teacher) throw new ConfigError('models.teacher', `is required when trainer.type is '${trainer.name}'`);
  if (trainer.teacher === 'none' && config.models.teacher) throw new ConfigError('models.teacher', `is not used by trainer.type '${trainer.name}': remove it, or use a trainer that distils from a teacher`);
  if (trainer.requiresLosses && config.trainer.losses.length === 0) throw new ConfigError('trainer.losses', `needs at least one loss term for trainer.type '${trainer.name}'`);
  type Split = RunConfig['data']['train'];
  const withDefaults = (split: Split, key: string): Split => ({ ...split, transforms: split.transforms.map((step, i) => app.transforms.validate(step, `${key}.transforms[${i}]`)) as Split['transforms'] });
  const teacherTraining = config.models.teacherTraining;
  const optimizer = (value: RunConfig['optimizer'], key: string) => resolveOptimizer(value, key, app.optimizers).config;
  const schedule = (value: RunConfig['schedule'], key: string) => resolveSchedule(value, key, app.schedules).config;
  const unlabelled = checkUnlabelledData(app, config, trainer, trainerOptions);
  const resolved: RunConfig = {
    ...config,
    data: {
      ...config.data,
      train: withDefaults(config.data.train, 'data.train'),
      eval: Object.fromEntries(Object.entries(config.data.eval).map(([name, split]) => [name, withDefaults(split, `data.eval.${name}`)])),
      ...(unlabelled ? { unlabelled } : {}),
    },
    models: {
      ...config.models,
      ...(teacherTraining
        ? {
            teacherTraining: {
              ...teacherTraining,
              ...(teacherTraining.train ? { train: withDefaults(teacherTraining.train, 'models.teacherTraining.train') } : {}),
              optimizer: optimizer(teacherTraining.optimizer, 'models.teacherTraining.optimizer'),
              schedule: schedule(teacherTraining.schedule, 'models.teacherTraining.schedule'),
            },
          }
        : {}),
    },
    trainer: { ...config.trainer, ...(trainerOptions as Record<string, unknown>) },
    optimizer: optimizer(config.optimizer, 'optimizer'),
    schedule: schedule(config.schedule, 'schedule'),
  };
  for (const [name, split] of Object.entries(config.data.eval)) {
    if (split.mix) throw new ConfigError(`data.eval.${name}.mix`, 'mixes examples, which only a training split may do (evaluation measures each example as it is)');
  }
  config.trainer.losses.forEach((ref, i) => {
    const definition = app.losses.definition(ref.name, `trainer.losses[${i}].name`);
    parseConfig(definition.schema, ref.options, `trainer.losses[${i}].options`);
  });
  config.plugins.forEach((ref, i) => parseConfig(app.plugins.get(ref.name, `plugins[${i}].name`).schema, ref.options, `plugins[${i}].options`));
  checkRunRequirements(app, config, trainer, trainerOptions);
  return resolved;
}
