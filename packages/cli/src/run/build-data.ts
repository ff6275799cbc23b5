import { parseConfig, type Dataset } from '@dkl/core';
import { Loader, longTailedSubsample, perClassSubsample, type TransformSpec } from '@dkl/data';
import type { Application } from './application.js';
import type { RunConfig } from '../config/run-config.js';

type SplitConfig = RunConfig['data']['train'];

/** Loads a dataset split and applies the configured subset. */
export async function loadSplit(app: Application, config: RunConfig, split: SplitConfig, keyPath: string): Promise<Dataset> {
  const definition = app.datasets.get(config.data.dataset.name, 'data.dataset.name');
  const options = parseConfig(definition.schema, config.data.dataset.options, 'data.dataset.options');
  let dataset = await definition.load(options, split.split);
  const seed = `${String(config.seed)}/${keyPath}/subset`;
  if (split.subset?.imbalanceFactor !== undefined) {
    dataset = longTailedSubsample(dataset, {
      imbalanceFactor: split.subset.imbalanceFactor,
      seed,
      ...(split.subset.perClass ? { maxPerClass: split.subset.perClass } : {}),
      ...(split.subset.select ? { select: split.subset.select } : {}),
    });
  } else if (split.subset?.perClass !== undefined) {
    dataset = perClassSubsample(dataset, { perClass: split.subset.perClass, seed });
  }
  return dataset;
}

/** A seeded loader for a split; training shuffles by default, evaluation does not. */
export function makeLoader(app: Application, dataset: Dataset, config: RunConfig, split: SplitConfig, keyPath: string, training: boolean): Loader {
  return new Loader(dataset, {
    batchSize: split.batchSize,
    seed: `${String(config.seed)}/${keyPath}`,
    shuffle: split.shuffle ?? training,
    dropLast: split.dropLast,
    transforms: split.transforms as unknown as TransformSpec[],
    transformDefinitions: app.transforms.definitions(),
    workers: split.workers,
    ...(split.mix ? { mix: split.mix } : {}),
  });
}
