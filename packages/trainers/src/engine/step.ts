import type * as tf from '@tensorflow/tfjs';
import type { Batch, BatchOutputs, PluginState, SeededRng } from '@dkl/core';

/** What a step sees besides the batch. */
export interface StepContext {
  /** 1-based epoch. */
  readonly epoch: number;
  /** Total epochs of the run. */
  readonly epochs: number;
  /** Global optimisation steps before this one. */
  readonly step: number;
  readonly batchIndex: number;
  /** Batches (steps) in one epoch of the train loader (fractional-epoch schedules, e.g. ramp-ups). */
  readonly batchesPerEpoch: number;
  /** The run's seeded generator (attack random starts, dropout...); part of checkpoints. */
  readonly rng: SeededRng;
  /**
   * This step's batch of every extra stream the engine was given (`TrainingEngineOptions.streams`,
   * e.g. `unlabelled/weak`), drawn alongside the train batch. The engine owns and disposes them.
   */
  readonly streams: Readonly<Record<string, Batch>>;
}

/** The differentiable part's result: the total loss, its named terms and tensors for plugins. */
export interface StepResult {
  readonly loss: tf.Scalar;
  /** Named parts of the loss for logging (numbers are read after the step). */
  readonly terms: Readonly<Record<string, tf.Scalar>>;
  /** Emitted in `batch-end`; include `labels` and `logits` for accuracy. */
  readonly outputs: BatchOutputs;
}

/**
 * A training step, split where gradients start and stop:
 * - `prepare` runs outside the gradient tape (frozen-teacher logits, adversarial examples,
 *   weight perturbation, values read back to select rows); its tensors are disposed by the engine
 *   after the step. It may be asynchronous.
 * - `compute` runs inside the tape; gradients flow to the trained model's variables only.
 * - `afterUpdate` runs after the optimizer update, and also when the step failed (a non-finite
 *   loss, a throwing `compute`), so a weight perturbation is always undone.
 */
export interface TrainStep<P extends Record<string, tf.Tensor> = Record<string, tf.Tensor>> {
  prepare?(batch: Batch, context: StepContext): P | Promise<P>;
  compute(batch: Batch, prepared: P, context: StepContext): StepResult;
  afterUpdate?(context: StepContext): void;
  /**
   * Variables trained besides the model's (a feature distiller's connector), optimised with them;
   * the step saves their values through `saveState` (see `lossTermState`).
   */
  readonly trainableVariables?: readonly tf.Variable[];
  /** Frees what the step holds across steps; the engine calls it once, when the run ends. */
  dispose?(): void;
  /**
   * State the step carries across steps (an EMA teacher's weights, running statistics), saved in
   * run snapshots next to the model's (tensors under `step/<name>`) and given back on resume. The
   * engine copies the tensors; the step keeps ownership of what it returns.
   */
  saveState?(): PluginState;
  loadState?(state: PluginState): void;
}
