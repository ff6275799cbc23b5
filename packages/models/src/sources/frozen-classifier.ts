/**
 * What the frozen teachers (a tfjs graph model, an ONNX session) share: no variables, inference
 * mode only, and a `forward` that refuses a disposed model or a training pass and checks the
 * batch before running the model.
 */
import type * as tf from '@tensorflow/tfjs';
import { ArgumentError, type ClassifierModel, type ModelOutput } from '@dkl/core';
import { assertNhwcBatch } from './shape-checks.js';

export interface FrozenClassifierOptions {
  readonly name: string;
  readonly numClasses: number;
  /** NHWC shape dkl feeds. */
  readonly inputShape: readonly [number, number, number];
}

export abstract class FrozenClassifier implements ClassifierModel {
  readonly name: string;
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  readonly trainableVariables: readonly tf.Variable[] = [];
  readonly nonTrainableVariables: readonly tf.Variable[] = [];
  private disposed = false;

  constructor(options: FrozenClassifierOptions) {
    this.name = options.name;
    this.numClasses = options.numClasses;
    this.inputShape = options.inputShape;
  }

  abstract countParams(): number;

  forward(x: tf.Tensor, options: { training: boolean }): ModelOutput {
    if (this.disposed) throw new ArgumentError('model', `${this.name} has been disposed`);
    if (options.training) throw new ArgumentError('training', this.inferenceOnly());
    assertNhwcBatch(x, this.inputShape, this.name);
    return this.run(x);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.release();
  }

  /** Why a training pass is refused, naming the model. */
  protected abstract inferenceOnly(): string;
  /** The forward pass on a checked NHWC batch. */
  protected abstract run(x: tf.Tensor): ModelOutput;
  /** Frees the model's resources (called once). */
  protected abstract release(): void;
}
