/**
 * A tf.GraphModel (a converted, frozen graph) as a dkl teacher: weights are constants, so it
 * runs in inference mode only and has no variables. Features are named graph nodes executed in
 * the same pass as the logits.
 */
import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ConfigError, ShapeError, type ClassifierModel, type ModelOutput } from '@dkl/core';
import { assertNhwcBatch, checkDims } from './shape-checks.js';

export interface GraphClassifierOptions {
  readonly name: string;
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  /** Graph node of the logits (default: the model's only output). */
  readonly logits?: string;
  /** dkl feature name -> graph node name. */
  readonly features?: Readonly<Record<string, string>>;
  readonly keyPath?: string;
}

export class GraphClassifier implements ClassifierModel {
  readonly name: string;
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  readonly trainableVariables: readonly tf.Variable[] = [];
  readonly nonTrainableVariables: readonly tf.Variable[] = [];
  private readonly logitsNode: string;
  private readonly features: readonly (readonly [string, string])[];
  private disposed = false;

  constructor(
    readonly model: tf.GraphModel,
    options: GraphClassifierOptions,
  ) {
    const keyPath = options.keyPath ?? 'model';
    this.name = options.name;
    this.numClasses = options.numClasses;
    this.inputShape = options.inputShape;
    if (model.inputs.length !== 1) throw new ConfigError(keyPath, `model ${this.name} has ${model.inputs.length} inputs (${model.inputNodes.join(', ')}); dkl feeds one NHWC image batch`);
    const input = model.inputs[0]!;
    if (input.shape) checkDims(input.shape, [null, ...options.inputShape], { keyPath, model: this.name, label: `input '${input.name}' (NHWC)` });
    const outputs = model.outputNodes;
    if (!options.logits && outputs.length !== 1) throw new ConfigError(`${keyPath}.logits`, `model ${this.name} has outputs ${outputs.join(', ')}: name the one holding the logits`);
    this.logitsNode = options.logits ?? outputs[0]!;
    this.features = Object.entries(options.features ?? {});
    const logitsInfo = model.outputs.find((o) => o.name === this.logitsNode);
    if (logitsInfo?.shape) checkDims(logitsInfo.shape, [null, options.numClasses], { keyPath, model: this.name, label: `output '${this.logitsNode}' (logits)`, hint: 'one logit per class of the data' });
  }

  countParams(): number {
    return Object.values(this.model.weights).reduce((sum, ts) => sum + ts.reduce((a, t) => a + t.size, 0), 0);
  }

  forward(x: tf.Tensor, options: { training: boolean }): ModelOutput {
    if (this.disposed) throw new ArgumentError('model', `${this.name} has been disposed`);
    if (options.training) throw new ArgumentError('training', `model ${this.name} is a frozen tfjs graph model: it runs in inference mode only`);
    assertNhwcBatch(x, this.inputShape, this.name);
    const names = [this.logitsNode, ...this.features.map(([, node]) => node)];
    return tf.tidy(() => {
      let results: tf.Tensor[];
      try {
        results = this.model.execute(x, names) as tf.Tensor[];
      } catch (error) {
        throw new ConfigError('model', `model ${this.name}: executing nodes ${names.join(', ')} failed: ${(error as Error).message}`, { cause: error });
      }
      const [logits, ...taps] = Array.isArray(results) ? results : [results];
      if (logits!.rank !== 2 || logits!.shape[1] !== this.numClasses) throw new ShapeError(`${this.name} output '${this.logitsNode}'`, `[batch, ${this.numClasses}] logits`, logits!.shape);
      return { logits: logits!, features: Object.fromEntries(this.features.map(([name], i) => [name, taps[i]!])) };
    }) as ModelOutput;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
  }
}
