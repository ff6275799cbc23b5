import type * as tf from '@tensorflow/tfjs';
import { ArgumentError, type ClassifierModel } from '@dkl/core';

/** Maps an NHWC batch in [0, 1] to logits `[B, numClasses]`. Must not update model state. */
export type ForwardFn = (x: tf.Tensor) => tf.Tensor;

/** What an evaluation accepts as "the model": a forward function or a core ClassifierModel. */
export type AttackModel = ForwardFn | ClassifierModel;

/**
 * A forward function for `model`. A ClassifierModel runs in inference mode
 * (`training: false`), so attacks never update BatchNorm running statistics.
 */
export function asForward(model: AttackModel): ForwardFn {
  if (typeof model === 'function') return model;
  if (model && typeof (model as ClassifierModel).forward === 'function') {
    const classifier = model as ClassifierModel;
    return (x) => classifier.forward(x, { training: false }).logits;
  }
  throw new ArgumentError('model', 'must be a forward function (x) => logits or a ClassifierModel');
}
