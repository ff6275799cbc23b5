import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, parseConfig, type ClassifierModel } from '@dkl/core';
import { DklModel, loadTorchCheckpoint, loadWeights } from '@dkl/models';
import type { Application } from './application.js';
import type { RunConfig } from '../config/run-config.js';

type ModelConfig = RunConfig['models']['student'];

/** Creates a model from config and loads its weights (dkl model directory or PyTorch checkpoint). */
export async function buildModel(
  app: Application,
  model: ModelConfig,
  options: { numClasses: number; inputShape: readonly [number, number, number]; seed: string },
  keyPath: string,
): Promise<ClassifierModel> {
  const definition = app.models.get(model.name, `${keyPath}.name`);
  const extra = definition.schema ? parseConfig(definition.schema, model.options ?? {}, `${keyPath}.options`) : undefined;
  const created = definition.create({ numClasses: options.numClasses, inputShape: options.inputShape, seed: options.seed, ...(extra !== undefined ? { extra } : {}) });
  if (model.weights) await loadModelWeights(created, model.weights, `${keyPath}.weights`);
  return created;
}

/** Loads `.pth`/`.pt` PyTorch checkpoints or a dkl model directory (model.json + shards). */
export async function loadModelWeights(model: ClassifierModel, file: string, keyPath: string): Promise<void> {
  if (!existsSync(file)) throw new ConfigError(keyPath, `weights file '${file}' does not exist (resolved from ${process.cwd()})`);
  if (!(model instanceof DklModel)) throw new ConfigError(keyPath, `model '${model.name}' is not a @dkl/models model; it cannot load weights files`);
  if (/\.(pth|pt|tar)$/i.test(file)) {
    loadTorchCheckpoint(model, file);
    return;
  }
  const source = statSync(file).isDirectory() ? file : path.dirname(file);
  await loadWeights(model, source);
}
