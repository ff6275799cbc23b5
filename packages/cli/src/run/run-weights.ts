/**
 * Loads a trained run's student weights into a model: the `best` or `last` checkpoint, or the
 * weight-averaging plugin's average (EMA / SWA) stored with the last checkpoint. Refuses a run
 * with no checkpoint, and a run without averaged weights for `averaged`.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, readSnapshotFile, type ClassifierModel } from '@dkl/core';
import { loadModelStateFromSnapshot } from '@dkl/trainers';
import { readJson, runFiles, type RunSummary } from './run-directory.js';

/** Which weights of a run: its best checkpoint (falls back to last), its last, or the weight average. */
export type RunWeights = 'best' | 'last' | 'averaged';
export const RUN_WEIGHTS: readonly RunWeights[] = ['best', 'last', 'averaged'];

/** Snapshot tensor prefix of the weight-averaging plugin's state (its `stateKey`). */
const AVERAGE_PREFIX = 'plugin/weight-averaging/';

export interface LoadedRunWeights {
  readonly checkpoint: string;
  readonly weights: RunWeights;
}

/**
 * Loads `which` weights of `runDir` into `model`; the model is untouched on any error.
 * `finishedOnly` (what export uses) also refuses a run whose summary says it is still running.
 */
export async function loadRunWeights(runDir: string, which: RunWeights, model: ClassifierModel, options: { finishedOnly?: boolean } = {}): Promise<LoadedRunWeights> {
  const files = runFiles(runDir);
  if (options.finishedOnly && existsSync(files.summary) && readJson<RunSummary>(files.summary).status === 'running') {
    throw new CheckpointError(files.summary, "says the run is still running (or was killed): its weights are not finished; wait for it or `dkl resume` it");
  }
  const checkpoint = which === 'best' && existsSync(files.bestCheckpoint) ? files.bestCheckpoint : files.lastCheckpoint;
  if (!existsSync(checkpoint)) throw new CheckpointError(checkpoint, 'does not exist: the run has no finished weights; train it first');
  const snapshot = await readSnapshotFile(checkpoint);
  try {
    let tensors = snapshot.tensors;
    if (which === 'averaged') {
      const averaged = Object.entries(snapshot.tensors).filter(([k]) => k.startsWith(AVERAGE_PREFIX));
      if (averaged.length === 0) {
        throw new CheckpointError(checkpoint, "has no averaged weights: the run has no 'weight-averaging' plugin, or it had not started");
      }
      tensors = Object.fromEntries(averaged.map(([k, t]) => [`model/${k.slice(AVERAGE_PREFIX.length)}`, t]));
    }
    loadModelStateFromSnapshot(model, tensors, `${checkpoint}${which === 'averaged' ? ' (averaged weights)' : ''}`);
  } finally {
    tf.dispose(Object.values(snapshot.tensors));
  }
  return { checkpoint: path.resolve(checkpoint), weights: which };
}
