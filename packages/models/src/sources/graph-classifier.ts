/**
 * A tf.GraphModel (a converted, frozen graph) as a dkl teacher: weights are constants, so it
 * runs in inference mode only and has no variables. Features are named graph nodes executed in
 * the same pass as the logits.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, ShapeError, type ModelOutput } from '@dkl/core';
import { FrozenClassifier, type FrozenClassifierOptions } from './frozen-classifier.js';
import { checkDims, requireOneInput } from './shape-checks.js';

export interface GraphClassifierOptions extends FrozenClassifierOptions {
  /** Graph node of the logits (default: the model's only output). */
  readonly logits?: string;
  /** dkl feature name -> graph node name. */
  readonly features?: Readonly<Record<string, string>>;
  readonly keyPath?: string;
}

export class GraphClassifier extends FrozenClassifier {
  private readonly logitsNode: string;
  private readonly features: readonly (readonly [string, string])[];

  constructor(
    readonly model: tf.GraphModel,
    options: GraphClassifierOptions,
  ) {
    super(options);
    const keyPath = options.keyPath ?? 'model';
    requireOneInput(model.inputNodes, keyPath, this.name);
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

  protected inferenceOnly(): string {
    return `model ${this.name} is a frozen tfjs graph model: it runs in inference mode only`;
  }

  protected run(x: tf.Tensor): ModelOutput {
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

  protected release(): void {
    this.model.dispose();
  }
}
