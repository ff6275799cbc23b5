/**
 * Loads a PyTorch state dict into a dkl model: every parameter and BatchNorm buffer must be
 * present with the PyTorch shape; nothing unexpected may remain (num_batches_tracked and the
 * architecture's declared dead branches excepted). All checks run before any variable changes.
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '@dkl/core';
import type { DklModel } from '../model/dkl-model.js';
import { torchToTf } from '../nn/param.js';
import { describeMismatch } from '../io/save-load.js';
import { extractStateDict, readTorchCheckpoint } from './read-torch-checkpoint.js';

export interface LoadTorchCheckpointOptions {
  /** Key holding the state dict when it is wrapped (default: auto-detect state_dict/model/net/...). */
  readonly key?: string;
}

/** Summary of a successful import. */
export interface TorchImportReport {
  readonly loaded: number;
  /** Checkpoint keys deliberately skipped (num_batches_tracked, dead branches). */
  readonly ignored: readonly string[];
}

export function loadTorchCheckpoint(model: DklModel, file: string, options: LoadTorchCheckpointOptions = {}): TorchImportReport {
  const stateDict = extractStateDict(readTorchCheckpoint(file), options.key);
  const ignored: string[] = [];
  for (const key of stateDict.keys()) {
    if (key.endsWith('num_batches_tracked') || model.ignoredCheckpointPrefixes.some((p) => key.startsWith(p))) ignored.push(key);
  }
  const ignoredSet = new Set(ignored);
  const params = model.parameters;
  const names = new Set(params.map((p) => p.spec.name));
  const missing: string[] = [];
  const misshaped: string[] = [];
  for (const p of params) {
    const t = stateDict.get(p.spec.name);
    if (!t) missing.push(p.spec.name);
    else if (t.shape.join(',') !== p.spec.torchShape.join(',')) {
      misshaped.push(`${p.spec.name}: checkpoint [${t.shape.join(', ')}], model [${p.spec.torchShape.join(', ')}]`);
    } else if (!t.isFloating) misshaped.push(`${p.spec.name}: checkpoint dtype ${t.dtype}, expected a floating type`);
  }
  const unexpected = [...stateDict.keys()].filter((k) => !names.has(k) && !ignoredSet.has(k));
  if (missing.length || unexpected.length || misshaped.length) {
    throw new CheckpointError(file, describeMismatch(model.name, missing, unexpected, misshaped));
  }
  // Convert everything first so a storage error cannot leave the model half-loaded.
  const values = params.map((p) => {
    try {
      return stateDict.get(p.spec.name)!.toFloat32();
    } catch (error) {
      throw new CheckpointError(file, `tensor '${p.spec.name}': ${(error as Error).message}`, { cause: error });
    }
  });
  params.forEach((p, i) => {
    tf.tidy(() => {
      p.value.assign(torchToTf(tf.tensor(values[i]!, [...p.spec.torchShape], 'float32'), p.spec.layout));
    });
  });
  return { loaded: params.length, ignored };
}
