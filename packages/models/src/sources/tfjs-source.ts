/**
 * `source: tfjs`: a TensorFlow.js model from a model.json (file, directory or http(s) URL). A
 * tf.LayersModel can be a student (its trainable weights are trained, saved back as a layers
 * model by `dkl export --format tfjs-layers`) or a teacher; a tf.GraphModel only a teacher.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type ClassifierModel, type ModelRole, type ModelSource, type ModelSourceContext } from '@dkl/core';
import { z } from 'zod';
import { fileSystemIOHandler } from '../io/fs-io-handler.js';
import { writeDirectoryAtomic } from '../export/write-directory.js';
import { GraphClassifier } from './graph-classifier.js';
import { LayersClassifier } from './layers-classifier.js';
import { loadTfjsArtifacts } from './load-tfjs-artifacts.js';
import { describeLocation, resolveModelLocation } from './model-location.js';

export const tfjsSourceSchema = z
  .object({
    /** model.json: a file, a directory holding one, or an http(s) URL. */
    path: z.string().min(1),
    /** dkl feature name -> layer name (layers model) or graph node (graph model): `{ stage1: 'conv2_relu' }`. */
    features: z.record(z.string(), z.string().min(1)).optional(),
    /** Graph models with several outputs: the node holding the logits. */
    logits: z.string().min(1).optional(),
  })
  .strict();

export type TfjsSourceOptions = z.output<typeof tfjsSourceSchema>;

/** Wraps a tf.LayersModel or tf.GraphModel built or loaded in code as a dkl ClassifierModel. */
export function tfjsClassifier(
  model: tf.LayersModel | tf.GraphModel,
  options: { name: string; role: ModelRole; numClasses?: number; inputShape?: readonly [number, number, number]; features?: Record<string, string>; logits?: string; keyPath?: string },
): ClassifierModel {
  if (model instanceof tf.GraphModel) {
    const keyPath = options.keyPath ?? 'model';
    if (options.role === 'student') throw new ConfigError(keyPath, `model ${options.name} is a tfjs graph model, whose weights are constants: it can only be a teacher (a student must be a layers model)`);
    const input = model.inputs[0]?.shape;
    const inputShape = options.inputShape ?? (input && input.length === 4 ? (input.slice(1) as [number, number, number]) : undefined);
    if (!inputShape || options.numClasses === undefined) throw new ConfigError(keyPath, `model ${options.name}: a graph model needs numClasses and inputShape given`);
    return new GraphClassifier(model, { name: options.name, numClasses: options.numClasses, inputShape, keyPath, ...(options.logits ? { logits: options.logits } : {}), ...(options.features ? { features: options.features } : {}) });
  }
  if (options.logits) throw new ConfigError(`${options.keyPath ?? 'model'}.logits`, 'applies to graph models; a layers model has one output, its logits');
  return new LayersClassifier(model, options);
}

async function createTfjsModel(options: TfjsSourceOptions, context: ModelSourceContext): Promise<ClassifierModel> {
  const location = resolveModelLocation(options.path, 'model.json', `${context.keyPath}.path`);
  const { kind, artifacts } = await loadTfjsArtifacts(location, `${context.keyPath}.path`);
  const name = describeLocation(location);
  let model: tf.LayersModel | tf.GraphModel;
  try {
    model = kind === 'layers' ? await tf.loadLayersModel(tf.io.fromMemory(artifacts)) : await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new ConfigError(`${context.keyPath}.path`, `cannot build the tfjs ${kind} model ${name}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return tfjsClassifier(model, { name, role: context.role, numClasses: context.numClasses, inputShape: context.inputShape, keyPath: context.keyPath, ...(options.features ? { features: options.features } : {}), ...(options.logits ? { logits: options.logits } : {}) });
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** Writes a layers-model classifier (trained weights included) as a tfjs layers model directory. */
export async function saveLayersClassifier(model: ClassifierModel, dir: string): Promise<readonly string[]> {
  if (!(model instanceof LayersClassifier)) throw new ConfigError('models.student', `model ${model.name} is not a tfjs layers model; only those save as tfjs-layers here`);
  let files: string[] = [];
  await writeDirectoryAtomic(dir, async (tmp) => {
    await model.model.save(fileSystemIOHandler(tmp));
    const { readdir } = await import('node:fs/promises');
    files = (await readdir(tmp)).sort();
  });
  return files;
}

export const tfjsSource: ModelSource<typeof tfjsSourceSchema> = {
  name: 'tfjs',
  description: 'a TensorFlow.js model.json (file or http(s) URL): a layers model as student or teacher, a graph model as teacher',
  schema: tfjsSourceSchema,
  roles: ['student', 'teacher'],
  create: createTfjsModel,
  saveFormats: ['tfjs-layers'],
  save: (model, _format, dir) => saveLayersClassifier(model, dir),
};
