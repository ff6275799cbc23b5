import type * as tf from '@tensorflow/tfjs';
import type { JsonValue } from '@dkl/core';

/** Optimizer state for checkpoints: JSON plus per-variable slot tensors, keyed `slot/index`. */
export interface OptimizerState {
  readonly json: JsonValue;
  readonly tensors: Record<string, tf.Tensor>;
}

/**
 * Updates variables from their gradients. Implementations follow PyTorch's update rules exactly
 * so hyperparameters from PyTorch papers carry over.
 */
export interface Optimizer {
  readonly name: string;
  /** One update; `grads[i]` belongs to `variables[i]`. Gradients are not disposed here. */
  apply(variables: readonly tf.Variable[], grads: readonly tf.Tensor[], learningRate: number): void;
  /** Copies of the slots (caller disposes) and counters. */
  getState(): OptimizerState;
  /** Restores slots for `variables` (tensors are copied; the caller keeps ownership). */
  setState(variables: readonly tf.Variable[], state: OptimizerState): void;
  dispose(): void;
}
