import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ClassPriorStore, ConfigError, parseConfig, type BatchLoader, type ClassifierModel, type ComponentRef, type ComputePrecision, type Dataset, type LossTerm, type PluginCreationContext, type TrainingPlugin } from '@dkl/core';
import { classCounts, Loader } from '@dkl/data';
import { DklModel, saveModel } from '@dkl/models';
import { createOptimizer, createSchedule, SupervisedTrainer, TrainingEngine, type RunResult } from '@dkl/trainers';
import { modelSourceName, modelSourceOptions, trainerOwnOptions, type RunConfig } from '../config/run-config.js';
import type { Application } from './application.js';
import { loadSplit, makeLoader } from './build-data.js';
import { buildModel, loadModelWeights } from './build-models.js';
import { lossCreationContext } from './loss-context.js';
import { validateAgainstRegistries } from './validate.js';
import { createTeacherCache } from './teacher-cache.js';
import { buildStreamLoaders } from './unlabelled-data.js';

export interface AssembleOptions {
  readonly runDir: string;
  /** Where trained teachers are cached, keyed by a hash of what determines them. */
  readonly cacheDir: string;
  /** Adds the terminal progress plugin unless the config lists one (default true). */
  readonly progress?: boolean;
  readonly log?: (line: string) => void;
  /** The tfjs backend the run trains on (default: the current one). */
  readonly backend?: string;
  /** The arithmetic precision in effect on it (default `fp32`). */
  readonly precision?: ComputePrecision;
  /** Its thread count (what `initBackend` reported): oneDNN splits its sums by thread, so the bits depend on it. */
  readonly threads?: number;
}

/** A run ready to start: the trainer plus what commands report on afterwards. */
export interface AssembledRun {
  readonly trainer: TrainingEngine;
  readonly student: ClassifierModel;
  readonly teacher?: ClassifierModel;
  readonly loaders: { readonly train: Loader; readonly eval: Record<string, Loader>; readonly streams: Record<string, Loader> };
  readonly plugins: readonly TrainingPlugin[];
  readonly numClasses: number;
  readonly classNames?: readonly string[];
  /** Frees models and loader workers. */
  dispose(): Promise<void>;
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

/** Trains the teacher on the run's training data, or loads it from the cache. */
async function obtainTeacher(
  app: Application,
  config: RunConfig,
  shape: { numClasses: number; inputShape: readonly [number, number, number] },
  train: BatchLoader,
  evalLoaders: Record<string, BatchLoader>,
  options: AssembleOptions,
): Promise<ClassifierModel> {
  const teacherConfig = config.models.teacher!;
  const training = config.models.teacherTraining;
  const seed = training?.seed ?? config.seed;
  const teacher = await buildModel(app, teacherConfig, { ...shape, seed: `${String(seed)}/teacher` }, 'models.teacher');
  // Only a zoo architecture without weights is trained here; other sources bring their weights.
  if (teacherConfig.weights || modelSourceName(teacherConfig) !== 'zoo') return teacher;
  if (!training) {
    throw new ConfigError('models.teacher', "has no 'weights' and there is no 'models.teacherTraining' to train it; give one of them");
  }
  // Backend, precision and thread count are in the key: each changes a trained teacher's bits.
  const compute = { backend: options.backend ?? tf.getBackend(), precision: options.precision ?? 'fp32', threads: options.threads };
  const key = hashOf({ data: config.data.dataset, train: training.train ?? config.data.train, teacher: modelSourceOptions(teacherConfig), training, seed, compute });
  const dir = path.join(options.cacheDir, 'teachers', `${teacherConfig.name}-${key}`);
  if (existsSync(path.join(dir, 'model.json'))) {
    await loadModelWeights(teacher, dir, 'models.teacher');
    options.log?.(`[dkl] teacher ${teacherConfig.name} loaded from cache ${dir}`);
    return teacher;
  }
  options.log?.(`[dkl] training teacher ${teacherConfig.name} for ${training.epochs} epochs (cached afterwards in ${dir})`);
  const progress = options.progress === false ? [] : [app.plugins.get('progress').create(parseConfig(app.plugins.get('progress').schema, {}), { runDir: options.runDir, numClasses: shape.numClasses, resolve: (t) => app.container.get(t) })];
  const teacherTrain = training.train
    ? makeLoader(app, await loadSplit(app, { ...config, seed }, training.train, 'models.teacherTraining.train'), { ...config, seed }, training.train, 'models.teacherTraining.train', true)
    : train;
  const optimizer = createOptimizer(training.optimizer, 'models.teacherTraining.optimizer', app.optimizers);
  let result: RunResult;
  try {
    result = await new SupervisedTrainer({
      model: teacher,
      epochs: training.epochs,
      seed: `${String(seed)}/teacher-training`,
      optimizer,
      schedule: createSchedule(training.schedule, training.epochs, 'models.teacherTraining.schedule', app.schedules),
      train: teacherTrain,
      evaluation: { loaders: evalLoaders },
      plugins: progress,
      backend: options.backend,
    }).run();
  } finally {
    optimizer.dispose(); // its slots (momentum buffers) outlive the run otherwise
  }
  if (teacherTrain !== train) await (teacherTrain as Loader).close();
  if (result.status !== 'completed') throw result.error ?? new Error(`teacher training ended with status ${result.status}`);
  if (teacher instanceof DklModel) await saveModel(teacher, dir);
  const top1 = Object.entries(result.history.at(-1)?.eval ?? {}).map(([split, m]) => `${split} top-1 ${(100 * (m['top1'] ?? NaN)).toFixed(2)}%`).join(', ');
  options.log?.(`[dkl] teacher trained${top1 ? `: ${top1}` : ''}`);
  return teacher;
}

/** Builds datasets, loaders, models, loss terms, plugins and the trainer a config describes. */
export async function assembleRun(app: Application, config: RunConfig, options: AssembleOptions): Promise<AssembledRun> {
  validateAgainstRegistries(app, config); // before any data is read: a miswired run never starts
  const trainData = await loadSplit(app, config, config.data.train, 'data.train');
  if (config.data.train.subset) options.log?.(`[dkl] data.train: ${trainData.length} examples, per-class counts ${classCounts(trainData).join(' ')}`);
  const train = makeLoader(app, trainData, config, config.data.train, 'data.train', true);
  const evalLoaders: Record<string, Loader> = {};
  const evalDatasets: Record<string, Dataset> = {};
  for (const [name, split] of Object.entries(config.data.eval)) {
    evalDatasets[name] = await loadSplit(app, config, split, `data.eval.${name}`);
    evalLoaders[name] = makeLoader(app, evalDatasets[name], config, split, `data.eval.${name}`, false);
  }
  const shape = { numClasses: trainData.numClasses, inputShape: train.outputShape };
  const student = await buildModel(app, config.models.student, { ...shape, seed: `${String(config.seed)}/student` }, 'models.student');
  const teacher = config.models.teacher ? await obtainTeacher(app, config, shape, train, evalLoaders, options) : undefined;
  const teacherCache = teacher ? createTeacherCache(config, teacher, train) : undefined;

  const lossContext = lossCreationContext(app, config, student, teacher, trainData);
  const createLoss = (ref: ComponentRef, keyPath: string): LossTerm => app.losses.create(ref.name, ref.options, keyPath, { ...lossContext, seed: `${String(config.seed)}/${keyPath}` });
  const losses: LossTerm[] = config.trainer.losses.map((ref, i) => createLoss(ref, `trainer.losses[${i}]`));
  losses.forEach((term, i) => {
    const extra = term.variables?.trainable.reduce((n, v) => n + v.size, 0) ?? 0;
    if (extra > 0) options.log?.(`[dkl] trainer.losses[${i}] (${term.name}): ${extra} extra trainable parameters, optimised with the student`);
  });
  const context: PluginCreationContext = {
    runDir: options.runDir,
    numClasses: shape.numClasses,
    resolve: <T>(token: symbol) => app.container.get<T>(token),
    evalSplits: Object.keys(evalDatasets),
    // Plugins get loaders of their own: sharing the engine's would move its position.
    openEvalLoader: (name) => makeLoader(app, evalDatasets[name]!, config, { ...config.data.eval[name]!, workers: 0 }, `data.eval.${name}`, false),
  };
  const pluginRefs = [...config.plugins];
  const has = (name: string) => pluginRefs.some((p) => p.name === name);
  if (!has('metrics-log')) pluginRefs.push({ name: 'metrics-log', options: {} });
  if (!has('checkpoint')) pluginRefs.push({ name: 'checkpoint', options: {} });
  if (options.progress !== false && !has('progress')) pluginRefs.push({ name: 'progress', options: {} });
  const plugins = pluginRefs.map((ref, i) => {
    const definition = app.plugins.get(ref.name, `plugins[${i}].name`);
    return definition.create(parseConfig(definition.schema, ref.options, `plugins[${i}].options`), context);
  });

  const optimizer = createOptimizer(config.optimizer, 'optimizer', app.optimizers);
  const common = {
    runId: path.basename(options.runDir),
    epochs: config.trainer.epochs,
    seed: config.seed,
    optimizer,
    schedule: createSchedule(config.schedule, config.trainer.epochs, 'schedule', app.schedules),
    train,
    evaluation: { loaders: evalLoaders, every: config.evaluation.every },
    plugins,
    onPluginError: config.trainer.onPluginError,
    config: JSON.parse(JSON.stringify(config)),
    backend: options.backend,
  };
  const definition = app.trainers.get(config.trainer.type, 'trainer.type');
  const trainerOptions = parseConfig(definition.schema, trainerOwnOptions(config.trainer), 'trainer');
  const streams = await buildStreamLoaders(app, config, definition, trainerOptions, trainData, train.outputShape, options.log);
  const step = definition.createStep(trainerOptions, {
    model: student,
    ...(teacher ? { teacher } : {}),
    ...(teacherCache ? { teacherLogits: teacherCache.logits } : {}),
    losses,
    createLoss,
    // A second instance of the student's architecture (its weights are the step's business, e.g. an EMA copy).
    createModelCopy: () => {
      if (modelSourceName(config.models.student) !== 'zoo') {
        throw new ConfigError('models.student.source', `is '${modelSourceName(config.models.student)}', but trainer.type '${config.trainer.type}' needs a second instance of the student's architecture, which only zoo students give`);
      }
      const studentDefinition = app.models.get(config.models.student.name ?? '', 'models.student.name');
      return studentDefinition.create({
        ...shape,
        seed: `${String(config.seed)}/student-copy`,
        ...(studentDefinition.schema ? { extra: parseConfig(studentDefinition.schema, config.models.student.options ?? {}, 'models.student.options') } : {}),
      });
    },
  });
  const trainer = new TrainingEngine({
    ...common,
    streams,
    model: student,
    modelRole: definition.modelRole ?? 'model',
    ...(teacher ? { frozenModels: { teacher } } : {}),
    step,
  });
  return {
    trainer,
    student,
    ...(teacher ? { teacher } : {}),
    loaders: { train, eval: evalLoaders, streams },
    plugins,
    numClasses: shape.numClasses,
    ...(trainData.classNames ? { classNames: trainData.classNames } : {}),
    async dispose() {
      if (teacherCache) options.log?.(`[dkl] ${teacherCache.describe()}`);
      await Promise.all([train, ...Object.values(evalLoaders), ...Object.values(streams)].map((l) => l.close()));
      student.dispose();
      teacher?.dispose();
      optimizer.dispose();
      app.container.get<ClassPriorStore>(ClassPriorStore).clear();
    },
  };
}
