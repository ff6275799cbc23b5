/**
 * A tf.LayersModel as a dkl ClassifierModel. As a student its trainable weights are the trained
 * variables and its layers keep Keras semantics (BatchNormalization updates its moving statistics
 * with its own momentum in training mode); as a teacher it always runs in inference mode.
 * Features are outputs of named layers, computed in the same pass as the logits by a model that
 * shares the original's layers and weights.
 */
import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ConfigError, type ClassifierModel, type ModelOutput, type ModelRole } from '@dkl/core';
import { assertNhwcBatch, checkDims, requireOneInput } from './shape-checks.js';

export interface LayersClassifierOptions {
  /** Name in messages and reports (the file, or what the caller calls it). */
  readonly name: string;
  readonly role: ModelRole;
  /** dkl feature name -> layer name whose output it is (`{ stage1: 'conv2_relu' }`). */
  readonly features?: Readonly<Record<string, string>>;
  /** Classes the run expects; checked against the model's output. */
  readonly numClasses?: number;
  /** Input shape the run feeds, NHWC; checked against the model's input. */
  readonly inputShape?: readonly [number, number, number];
  /** Config key for errors (default `model`). */
  readonly keyPath?: string;
}

function isSoftmax(layer: tf.layers.Layer): boolean {
  if (layer.getClassName() === 'Softmax') return true;
  const config = layer.getConfig() as { activation?: unknown };
  return config.activation === 'softmax';
}

export class LayersClassifier implements ClassifierModel {
  readonly name: string;
  readonly role: ModelRole;
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  /** Feature names in the order of the tap model's outputs after the logits. */
  private readonly featureNames: readonly string[];
  private readonly tapModel?: tf.LayersModel;
  private disposed = false;

  constructor(
    /** The wrapped model; its weights are this classifier's variables. */
    readonly model: tf.LayersModel,
    options: LayersClassifierOptions,
  ) {
    const keyPath = options.keyPath ?? 'model';
    this.name = options.name;
    this.role = options.role;
    requireOneInput(model.inputNames, keyPath, this.name);
    if (model.outputs.length !== 1) throw new ConfigError(keyPath, `model ${this.name} has ${model.outputs.length} outputs (${model.outputNames.join(', ')}); the logits must be its only output (map others as features)`);
    const inShape = model.inputs[0]!.shape;
    if (options.inputShape) checkDims(inShape, [null, ...options.inputShape], { keyPath, model: this.name, label: `input '${model.inputNames[0]}' (NHWC)` });
    if (inShape.length !== 4 || inShape.slice(1).some((d) => d === null)) {
      throw new ConfigError(keyPath, `model ${this.name}: input '${model.inputNames[0]}' must be NHWC [batch, H, W, C] with known H, W, C; found [${inShape.map((d) => d ?? '?').join(', ')}]`);
    }
    this.inputShape = inShape.slice(1) as [number, number, number];
    const outShape = model.outputs[0]!.shape;
    if (options.numClasses !== undefined) checkDims(outShape, [null, options.numClasses], { keyPath, model: this.name, label: `output '${model.outputNames[0]}' (logits)`, hint: 'one logit per class of the data' });
    if (outShape.length !== 2 || outShape[1] === null) throw new ConfigError(keyPath, `model ${this.name}: output '${model.outputNames[0]}' must be [batch, classes]; found [${outShape.map((d) => d ?? '?').join(', ')}]`);
    this.numClasses = outShape[1]!;
    const last = model.outputs[0]!.sourceLayer;
    if (isSoftmax(last)) {
      throw new ConfigError(keyPath, `model ${this.name}: output layer '${last.name}' applies softmax; dkl's losses take logits: use activation 'linear' on it`);
    }
    const features = Object.entries(options.features ?? {});
    this.featureNames = features.map(([name]) => name);
    if (features.length > 0) {
      const layerNames = model.layers.map((l) => l.name);
      const taps = features.map(([feature, layerName]) => {
        if (!layerNames.includes(layerName)) {
          throw new ConfigError(`${keyPath}.features.${feature}`, `model ${this.name} has no layer '${layerName}'; its layers: ${layerNames.join(', ')}`);
        }
        return model.getLayer(layerName).output as tf.SymbolicTensor;
      });
      this.tapModel = tf.model({ inputs: model.inputs, outputs: [model.outputs[0]!, ...taps] });
    }
  }

  get trainableVariables(): readonly tf.Variable[] {
    return this.model.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  get nonTrainableVariables(): readonly tf.Variable[] {
    return this.model.nonTrainableWeights.map((w) => w.read() as tf.Variable);
  }

  countParams(options: { trainableOnly?: boolean } = {}): number {
    const weights = options.trainableOnly ?? true ? this.model.trainableWeights : this.model.weights;
    return weights.reduce((sum, w) => sum + w.shape.reduce<number>((a, b) => a * (b ?? 1), 1), 0);
  }

  forward(x: tf.Tensor, options: { training: boolean }): ModelOutput {
    if (this.disposed) throw new ArgumentError('model', `${this.name} has been disposed`);
    assertNhwcBatch(x, this.inputShape, this.name);
    // A teacher is frozen: inference mode whatever the caller asks.
    const training = this.role === 'student' && options.training === true;
    return tf.tidy(() => {
      if (!this.tapModel) return { logits: this.model.apply(x, { training }) as tf.Tensor, features: {} };
      const [logits, ...taps] = this.tapModel.apply(x, { training }) as tf.Tensor[];
      return { logits: logits!, features: Object.fromEntries(this.featureNames.map((name, i) => [name, taps[i]!])) };
    }) as ModelOutput;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }
}
