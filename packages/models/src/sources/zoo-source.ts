/**
 * `source: zoo` (the default when `models.<role>` names no source): a registered architecture by
 * name (`resnet8x4`), with its own options and optionally weights from a dkl model directory or
 * a PyTorch checkpoint.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, NamedRegistry, parseConfig, type ClassifierModel, type ModelDefinition, type ModelSource } from '@dkl/core';
import { z } from 'zod';
import { loadWeights } from '../io/save-load.js';
import { DklModel } from '../model/dkl-model.js';
import { loadTorchCheckpoint } from '../torch/load-torch-checkpoint.js';

export const zooSourceSchema = z
  .object({
    /** Architecture name as registered (`resnet8x4`, `wrn_16_2`, `tiny_cnn`...). */
    name: z.string().min(1),
    /** Extra architecture options (e.g. wrn depth/width). */
    options: z.record(z.string(), z.unknown()).optional(),
    /** Weights to load: a dkl model directory (model.json) or a PyTorch checkpoint (.pth/.pt). */
    weights: z.string().min(1).optional(),
  })
  .strict();

export type ZooSourceOptions = z.output<typeof zooSourceSchema>;

/** Loads `.pth`/`.pt` PyTorch checkpoints or a dkl model directory (model.json + shards) into a zoo model. */
export async function loadZooWeights(model: ClassifierModel, file: string, keyPath: string): Promise<void> {
  if (!existsSync(file)) throw new ConfigError(keyPath, `weights file '${file}' does not exist (resolved from ${process.cwd()})`);
  if (!(model instanceof DklModel)) throw new ConfigError(keyPath, `model '${model.name}' is not a @dkl/models model; it cannot load weights files`);
  if (/\.(pth|pt|tar)$/i.test(file)) {
    loadTorchCheckpoint(model, file);
    return;
  }
  await loadWeights(model, statSync(file).isDirectory() ? file : path.dirname(file));
}

function resolveDefinition(options: ZooSourceOptions, definitions: readonly ModelDefinition[], keyPath: string): { definition: ModelDefinition; extra: unknown } {
  const definition = new NamedRegistry('model', definitions).get(options.name, `${keyPath}.name`);
  const extra = definition.schema ? parseConfig(definition.schema, options.options ?? {}, `${keyPath}.options`) : undefined;
  return { definition, extra };
}

export const zooSource: ModelSource<typeof zooSourceSchema> = {
  name: 'zoo',
  description: 'a registered architecture by name (the default source), optionally with weights',
  schema: zooSourceSchema,
  roles: ['student', 'teacher'],
  check: (options, context) => void resolveDefinition(options, context.definitions, context.keyPath),
  async create(options, context) {
    const { definition, extra } = resolveDefinition(options, context.definitions, context.keyPath);
    const model = definition.create({ numClasses: context.numClasses, inputShape: context.inputShape, seed: context.seed, ...(extra !== undefined ? { extra } : {}) });
    if (options.weights) {
      try {
        await loadZooWeights(model, options.weights, `${context.keyPath}.weights`);
      } catch (error) {
        model.dispose();
        throw error;
      }
    }
    return model;
  },
};
