import type * as tf from '@tensorflow/tfjs';
import { CheckpointError, type ClassifierModel } from '@dkl/core';

/** Every variable a snapshot holds for a model, in snapshot order: trainable, then BatchNorm statistics and other state. */
export function modelStateVariables(model: ClassifierModel): tf.Variable[] {
  return [...model.trainableVariables, ...model.nonTrainableVariables];
}

/**
 * Assigns the `<prefix>/<i>` tensors of a run snapshot to `variables`, after checking all of
 * them, so a mismatch leaves every variable untouched. `savedAs` (the snapshot's variable list)
 * makes errors name what the snapshot held; `owner` names whose variables they are.
 */
export function loadVariablesFromSnapshot(
  variables: readonly tf.Variable[],
  tensors: Readonly<Record<string, tf.Tensor>>,
  prefix: string,
  where: string,
  savedAs: readonly string[] | undefined,
  owner: string,
): void {
  if (savedAs && savedAs.length !== variables.length) {
    throw new CheckpointError(where, `holds ${savedAs.length} ${owner} variables, the ${owner} has ${variables.length}: different configuration?`);
  }
  variables.forEach((v, i) => {
    const t = tensors[`${prefix}/${i}`];
    if (!t || t.shape.join() !== v.shape.join()) {
      const saved = savedAs ? ` (saved as ${savedAs[i]})` : '';
      throw new CheckpointError(where, `${owner} variable ${i} (${v.name}) expects [${v.shape.join(', ')}], snapshot has ${t ? `[${t.shape.join(', ')}]` : 'nothing'}${saved}`);
    }
  });
  variables.forEach((v, i) => v.assign(tensors[`${prefix}/${i}`]!));
}

/** Assigns the `model/<i>` tensors of a run snapshot to `model` (see {@link loadVariablesFromSnapshot}). */
export function loadModelStateFromSnapshot(model: ClassifierModel, tensors: Readonly<Record<string, tf.Tensor>>, where: string, savedAs?: readonly string[]): void {
  loadVariablesFromSnapshot(modelStateVariables(model), tensors, 'model', where, savedAs, 'model');
}
