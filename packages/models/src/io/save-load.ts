/**
 * Saving and loading dkl models in the TensorFlow.js format. `modelTopology` records the
 * architecture descriptor (name, classes, input shape, options); weights are named by their
 * PyTorch state-dict keys and stored in our layout (conv HWIO, linear [in, out]).
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '@dkl/core';
import type { ArchitectureDescriptor, DklModel } from '../model/dkl-model.js';
import { createModel } from '../model/create-model.js';
import { fileSystemIOHandler } from './fs-io-handler.js';

/** `format` field written into model.json. */
export const MODEL_FORMAT = 'dkl-model';

/** Saves `model` to `dir` (model.json + shards) or through any tf.io.IOHandler. */
export async function saveModel(model: DklModel, destination: string | tf.io.IOHandler): Promise<tf.io.SaveResult> {
  const handler = typeof destination === 'string' ? fileSystemIOHandler(destination) : destination;
  if (!handler.save) throw new CheckpointError(String(destination), 'IO handler cannot save');
  const named = Object.fromEntries(model.namedVariables());
  const { data, specs } = await tf.io.encodeWeights(named);
  return handler.save({
    modelTopology: { dkl: { ...model.descriptor } } as unknown as tf.io.ModelArtifacts['modelTopology'],
    format: MODEL_FORMAT,
    generatedBy: `TensorFlow.js tfjs-core v${tf.version_core}`,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data,
  });
}

async function readArtifacts(source: string | tf.io.IOHandler): Promise<{ artifacts: tf.io.ModelArtifacts; label: string }> {
  const handler = typeof source === 'string' ? fileSystemIOHandler(source) : source;
  const label = typeof source === 'string' ? source : 'IO handler';
  if (!handler.load) throw new CheckpointError(label, 'IO handler cannot load');
  return { artifacts: await handler.load(), label };
}

/** Loads weights saved by `saveModel` into an existing model of the same architecture; refuses on any name/shape mismatch. */
export async function loadWeights(model: DklModel, source: string | tf.io.IOHandler): Promise<void> {
  const { artifacts, label } = await readArtifacts(source);
  applyArtifacts(model, artifacts, label);
}

/** Rebuilds a model from `saveModel` output (architecture from model.json) and loads its weights. */
export async function loadModel(source: string | tf.io.IOHandler): Promise<DklModel> {
  const { artifacts, label } = await readArtifacts(source);
  const descriptor = (artifacts.modelTopology as { dkl?: ArchitectureDescriptor } | undefined)?.dkl;
  if (artifacts.format !== MODEL_FORMAT || !descriptor || typeof descriptor.architecture !== 'string') {
    throw new CheckpointError(label, `is not a dkl model (format '${String(artifacts.format)}'; expected '${MODEL_FORMAT}' with modelTopology.dkl)`);
  }
  const model = createModel(descriptor.architecture, {
    numClasses: descriptor.numClasses,
    inputShape: descriptor.inputShape,
    ...(descriptor.extra ? { extra: descriptor.extra } : {}),
  });
  try {
    applyArtifacts(model, artifacts, label);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

function applyArtifacts(model: DklModel, artifacts: tf.io.ModelArtifacts, label: string): void {
  if (!artifacts.weightSpecs || !artifacts.weightData) throw new CheckpointError(label, 'has no weights');
  const expectedBytes = artifacts.weightSpecs.reduce(
    (a, s) => a + s.shape.reduce((x, y) => x * y, 1) * (s.dtype === 'float32' || s.dtype === 'int32' ? 4 : 1),
    0,
  );
  const data = Array.isArray(artifacts.weightData) ? tf.io.concatenateArrayBuffers(artifacts.weightData) : artifacts.weightData;
  if (data.byteLength !== expectedBytes) {
    throw new CheckpointError(label, `weight data has ${data.byteLength} bytes but the manifest describes ${expectedBytes} (truncated shard?)`);
  }
  const tensors = tf.io.decodeWeights(data, artifacts.weightSpecs);
  try {
    const variables = model.namedVariables();
    const missing = [...variables.keys()].filter((k) => !(k in tensors));
    const unexpected = Object.keys(tensors).filter((k) => !variables.has(k));
    const misshaped = [...variables]
      .filter(([k, v]) => k in tensors && tensors[k]!.shape.join(',') !== v.shape.join(','))
      .map(([k, v]) => `${k}: saved [${tensors[k]!.shape.join(', ')}], model [${v.shape.join(', ')}]`);
    if (missing.length || unexpected.length || misshaped.length) {
      throw new CheckpointError(label, describeMismatch(model.name, missing, unexpected, misshaped));
    }
    for (const [k, v] of variables) v.assign(tensors[k]!);
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/** Human-readable list of mismatches (at most 8 names per kind). */
export function describeMismatch(architecture: string, missing: string[], unexpected: string[], misshaped: string[]): string {
  const list = (xs: string[]) => xs.slice(0, 8).join(', ') + (xs.length > 8 ? `, ... (${xs.length} total)` : '');
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${missing.length} tensor(s): ${list(missing)}`);
  if (unexpected.length) parts.push(`unexpected ${unexpected.length} tensor(s): ${list(unexpected)}`);
  if (misshaped.length) parts.push(`misshaped ${misshaped.length} tensor(s): ${list(misshaped)}`);
  return `does not match architecture '${architecture}': ${parts.join('; ')}`;
}
