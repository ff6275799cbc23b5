import type * as tf from '@tensorflow/tfjs';
import { CheckpointError, type ClassifierModel } from '@dkl/core';

/** Every variable a snapshot holds for a model, in snapshot order: trainable, then BatchNorm statistics and other state. */
export function modelStateVariables(model: ClassifierModel): tf.Variable[] {
  return [...model.trainableVariables, ...model.nonTrainableVariables];
}

/**
 * Assigns the `model/<i>` tensors of a run snapshot to `model`, after checking all of them, so a
 * mismatch leaves the model untouched. `savedAs` (the snapshot's variable list) makes errors
 * name what the snapshot held.
 */
export function loadModelStateFromSnapshot(model: ClassifierModel, tensors: Readonly<Record<string, tf.Tensor>>, where: string, savedAs?: readonly string[]): void {
  const variables = modelStateVariables(model);
  if (savedAs && savedAs.length !== variables.length) {
    throw new CheckpointError(where, `holds ${savedAs.length} model variables, the model has ${variables.length}: different architecture?`);
  }
  variables.forEach((v, i) => {
    const t = tensors[`model/${i}`];
    if (!t || t.shape.join() !== v.shape.join()) {
      const saved = savedAs ? ` (saved as ${savedAs[i]})` : '';
      throw new CheckpointError(where, `variable ${i} (${v.name}) expects [${v.shape.join(', ')}], snapshot has ${t ? `[${t.shape.join(', ')}]` : 'nothing'}${saved}`);
    }
  });
  variables.forEach((v, i) => v.assign(tensors[`model/${i}`]!));
}
