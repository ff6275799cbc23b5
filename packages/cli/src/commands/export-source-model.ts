/**
 * `dkl export` for a student that is not a zoo architecture (`models.student.source: tfjs`...):
 * the student is rebuilt through its source, the run's weights are loaded into it, and the source
 * writes it in its own format (a tfjs layers model stays a layers model).
 */
import * as path from 'node:path';
import { ArgumentError, ConfigError, initBackend } from '@dkl/core';
import { resolveConfig } from '../config/load-config.js';
import { modelSourceName } from '../config/run-config.js';
import { createApplication } from '../run/application.js';
import { loadSplit, makeLoader } from '../run/build-data.js';
import { buildModel } from '../run/build-models.js';
import { readJson, runFiles } from '../run/run-directory.js';
import { loadRunWeights, type RunWeights } from '../run/run-weights.js';

/** Whether the run's student comes from a source other than the zoo. */
export function studentSourceOf(runDir: string): string {
  const config = resolveConfig(readJson<Record<string, unknown>>(runFiles(runDir).config));
  return modelSourceName(config.models.student);
}

export interface SourceExportResult {
  readonly out: string;
  readonly files: readonly string[];
  readonly checkpoint: string;
}

export async function exportSourceModel(runDir: string, format: string, weights: RunWeights, out: string | undefined, log?: (line: string) => void): Promise<SourceExportResult> {
  await initBackend({ log: log ?? ((l) => process.stderr.write(`${l}\n`)) });
  const config = resolveConfig(readJson<Record<string, unknown>>(runFiles(runDir).config));
  const app = await createApplication(config.packages);
  const source = app.modelSources.get(modelSourceName(config.models.student), 'models.student.source');
  if (!source.save || !source.saveFormats?.includes(format)) {
    throw new ArgumentError('--format', `a '${source.name}' student exports as ${source.saveFormats?.join(', ') || 'nothing'}, not '${format}'`);
  }
  const splitName = Object.keys(config.data.eval)[0];
  if (!splitName) throw new ConfigError('data.eval', 'has no evaluation split: the export needs its input shape and class count');
  const split = config.data.eval[splitName]!;
  const dataset = await loadSplit(app, config, split, `data.eval.${splitName}`);
  const loader = makeLoader(app, dataset, config, split, `data.eval.${splitName}`, false);
  const inputShape = loader.outputShape;
  await loader.close();
  const model = await buildModel(app, config.models.student, { numClasses: dataset.numClasses, inputShape, seed: 'export' }, 'models.student', 'student');
  try {
    const loaded = await loadRunWeights(runDir, weights, model, { finishedOnly: true });
    const target = out ?? path.join(runDir, 'export', format);
    const files = await source.save(model, format, target);
    return { out: path.resolve(target), files, checkpoint: loaded.checkpoint };
  } finally {
    model.dispose();
  }
}
