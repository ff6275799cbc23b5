/**
 * `data.unlabelled` and the extra batch streams a trainer declares (`TrainerDefinition.streams`):
 * stream `unlabelled/<view>` is a loader over the unlabelled examples with the transforms of
 * `data.unlabelled.views.<view>`. All views share one shuffling seed (the same examples, batch
 * for batch) and have augmentation seeds of their own (independent augmentations).
 */
import { ConfigError, parseConfig, type Dataset } from '@dkl/core';
import { complementSubset, Loader, SubsetDataset, type TransformSpec } from '@dkl/data';
import type { TrainerDefinition } from '@dkl/trainers';
import type { RunConfig } from '../config/run-config.js';
import type { Application } from './application.js';

type Unlabelled = NonNullable<RunConfig['data']['unlabelled']>;

/** The views of `data.unlabelled` that `trainer`'s streams read, checked against the config. */
function readViews(trainer: TrainerDefinition, trainerOptions: unknown): string[] {
  const views: string[] = [];
  for (const stream of trainer.streams?.(trainerOptions) ?? []) {
    const [source, view, ...rest] = stream.split('/');
    if (source !== 'unlabelled' || !view || rest.length > 0) {
      throw new ConfigError('trainer.type', `'${trainer.name}' reads the batch stream '${stream}', which no data key provides (runs provide unlabelled/<view> from data.unlabelled.views)`);
    }
    views.push(view);
  }
  return views;
}

/**
 * Checks `data.unlabelled` against the trainer: present exactly when the trainer reads unlabelled
 * batches, with every view it reads and no other, and a source of examples. Returns it with every
 * transform step completed by its registered defaults.
 */
export function checkUnlabelledData(app: Application, config: RunConfig, trainer: TrainerDefinition, trainerOptions: unknown): Unlabelled | undefined {
  const views = readViews(trainer, trainerOptions);
  const unlabelled = config.data.unlabelled;
  if (views.length === 0) {
    if (unlabelled) throw new ConfigError('data.unlabelled', `is not used by trainer.type '${trainer.name}': remove it, or use a trainer that reads unlabelled batches (fixmatch, mean-teacher)`);
    return undefined;
  }
  const shape = `{ batchSize, views: { ${views.map((v) => `${v}: { transforms: [...] }`).join(', ')} } }`;
  if (!unlabelled) {
    throw new ConfigError('data.unlabelled', `is required by trainer.type '${trainer.name}', which trains on unlabelled batches (views ${views.join(', ')}): add data.unlabelled ${shape}`);
  }
  for (const view of views) {
    if (!unlabelled.views[view]) throw new ConfigError(`data.unlabelled.views.${view}`, `is required: trainer.type '${trainer.name}' reads the views ${views.join(', ')}`);
  }
  for (const view of Object.keys(unlabelled.views)) {
    if (!views.includes(view)) throw new ConfigError(`data.unlabelled.views.${view}`, `is not read by trainer.type '${trainer.name}', which reads ${views.join(', ')}`);
  }
  if (unlabelled.dataset && !unlabelled.split) throw new ConfigError('data.unlabelled.split', 'is required when data.unlabelled.dataset is given (which split of it is unlabelled?)');
  if (unlabelled.dataset) {
    const definition = app.datasets.get(unlabelled.dataset.name, 'data.unlabelled.dataset.name');
    parseConfig(definition.schema, unlabelled.dataset.options, 'data.unlabelled.dataset.options');
  }
  if (!unlabelled.split && !config.data.train.subset) {
    throw new ConfigError(
      'data.unlabelled.split',
      `is absent, so the unlabelled examples are those data.train's subset leaves out, but data.train has no subset: give data.train.subset (e.g. { perClass: 40 }) or data.unlabelled.split`,
    );
  }
  return {
    ...unlabelled,
    views: Object.fromEntries(
      Object.entries(unlabelled.views).map(([view, v]) => [view, { ...v, transforms: v.transforms.map((step, i) => app.transforms.validate(step, `data.unlabelled.views.${view}.transforms[${i}]`)) }]),
    ) as Unlabelled['views'],
  };
}

/** The unlabelled examples: a split of their own, or the rest of data.train's split. */
async function unlabelledDataset(app: Application, config: RunConfig, unlabelled: Unlabelled, trainData: Dataset): Promise<Dataset> {
  if (!unlabelled.split) {
    if (!(trainData instanceof SubsetDataset)) throw new ConfigError('data.unlabelled.split', 'is absent, but data.train is not a subset of its split, so nothing is left over for unlabelled data');
    const rest = complementSubset(trainData.base, trainData, `${trainData.base.name}-unlabelled`);
    if (rest.length === 0) throw new ConfigError('data.unlabelled', `data.train's subset takes every example of split '${config.data.train.split}': nothing is left unlabelled`);
    return rest;
  }
  const ref = unlabelled.dataset ?? config.data.dataset;
  const definition = app.datasets.get(ref.name, unlabelled.dataset ? 'data.unlabelled.dataset.name' : 'data.dataset.name');
  return definition.load(parseConfig(definition.schema, ref.options, unlabelled.dataset ? 'data.unlabelled.dataset.options' : 'data.dataset.options'), unlabelled.split);
}

/**
 * One loader per stream the trainer reads (`unlabelled/<view>`), or none. Their images must have
 * the shape of the train loader's, since labelled and unlabelled batches go through the model together.
 */
export async function buildStreamLoaders(
  app: Application,
  config: RunConfig,
  trainer: TrainerDefinition,
  trainerOptions: unknown,
  trainData: Dataset,
  trainShape: readonly number[],
  log?: (line: string) => void,
): Promise<Record<string, Loader>> {
  const unlabelled = checkUnlabelledData(app, config, trainer, trainerOptions);
  if (!unlabelled) return {};
  const dataset = await unlabelledDataset(app, config, unlabelled, trainData);
  const views = readViews(trainer, trainerOptions);
  log?.(`[dkl] data.unlabelled: ${dataset.length} examples (${unlabelled.split ? `split '${unlabelled.split}'` : "the rest of data.train's split"}), views ${views.join(', ')}`);
  const loaders: Record<string, Loader> = {};
  try {
    for (const view of views) {
      const loader = new Loader(dataset, {
        batchSize: unlabelled.batchSize,
        seed: `${String(config.seed)}/data.unlabelled`,
        augmentSeed: `${String(config.seed)}/data.unlabelled/${view}`,
        shuffle: unlabelled.shuffle ?? true,
        dropLast: unlabelled.dropLast,
        transforms: unlabelled.views[view]!.transforms as unknown as TransformSpec[],
        transformDefinitions: app.transforms.definitions(),
        workers: unlabelled.workers,
      });
      loaders[`unlabelled/${view}`] = loader;
      if (loader.outputShape.join() !== trainShape.join()) {
        throw new ConfigError(`data.unlabelled.views.${view}.transforms`, `give images of shape [${loader.outputShape.join(', ')}], data.train's are [${trainShape.join(', ')}]: both go through the model in one batch`);
      }
    }
  } catch (error) {
    await Promise.all(Object.values(loaders).map((l) => l.close()));
    throw error;
  }
  return loaders;
}
