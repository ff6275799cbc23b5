import { ConfigError, parseConfig, type ClassifierModel, type ModelRole, type ModelSource } from '@dkl/core';
import { loadZooWeights } from '@dkl/models';
import type { Application } from './application.js';
import { modelSourceName, modelSourceOptions, type RunConfig } from '../config/run-config.js';

type ModelConfig = RunConfig['models']['student'];

/** `models.<role>`'s source and its parsed options; refuses a source that cannot fill the role. */
export function resolveModelSource(app: Application, model: ModelConfig, role: ModelRole, keyPath: string): { source: ModelSource; options: unknown } {
  const source = app.modelSources.get(modelSourceName(model), `${keyPath}.source`);
  if (!source.roles.includes(role)) {
    throw new ConfigError(`${keyPath}.source`, `'${source.name}' models can be ${source.roles.join(' or ')}, not ${role}`);
  }
  if (model.cache !== undefined && role !== 'teacher') throw new ConfigError(`${keyPath}.cache`, 'applies to the teacher only (cached logits of a frozen model)');
  const options = parseConfig(source.schema, modelSourceOptions(model), keyPath);
  source.check?.(options, { role, keyPath, definitions: app.models.names().map((n) => app.models.get(n)) });
  return { source, options };
}

/** Creates `models.<role>` through its source (zoo by default), weights included. */
export async function buildModel(
  app: Application,
  model: ModelConfig,
  options: { numClasses: number; inputShape: readonly [number, number, number]; seed: string },
  keyPath: string,
  role: ModelRole = keyPath.endsWith('teacher') ? 'teacher' : 'student',
): Promise<ClassifierModel> {
  const { source, options: sourceOptions } = resolveModelSource(app, model, role, keyPath);
  return source.create(sourceOptions, { role, keyPath, numClasses: options.numClasses, inputShape: options.inputShape, seed: options.seed, definitions: app.models.names().map((n) => app.models.get(n)) });
}

/** Loads `.pth`/`.pt` PyTorch checkpoints or a dkl model directory (model.json + shards) into a zoo model. */
export async function loadModelWeights(model: ClassifierModel, file: string, keyPath: string): Promise<void> {
  await loadZooWeights(model, file, keyPath);
}
