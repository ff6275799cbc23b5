/**
 * The ClassifierModel implementation shared by every architecture: it owns the ParamStore's
 * variables (named like PyTorch state-dict keys) and runs the architecture's forward pass in a
 * tidy scope, so only the returned logits and features survive.
 */
import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ShapeError, type ClassifierModel, type ModelOutput } from '@dkl/core';
import type { Network } from '../architectures/network.js';
import type { Param, ParamStore } from '../nn/param.js';

/** What a saved model needs to be rebuilt: architecture name, class count, input shape, options. */
export interface ArchitectureDescriptor {
  readonly architecture: string;
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  readonly extra?: Readonly<Record<string, unknown>>;
}

export class DklModel implements ClassifierModel {
  private disposed = false;

  constructor(
    readonly descriptor: ArchitectureDescriptor,
    private readonly network: Network,
    private readonly store: ParamStore,
    /** State-dict key prefixes a PyTorch checkpoint may carry that this model deliberately lacks. */
    readonly ignoredCheckpointPrefixes: readonly string[] = [],
  ) {}

  get name(): string {
    return this.descriptor.architecture;
  }

  get numClasses(): number {
    return this.descriptor.numClasses;
  }

  get inputShape(): readonly [number, number, number] {
    return this.descriptor.inputShape;
  }

  /** Every parameter and buffer in declaration order, with its PyTorch name and layout. */
  get parameters(): readonly Param[] {
    return this.store.params;
  }

  get trainableVariables(): readonly tf.Variable[] {
    return this.store.params.filter((p) => p.spec.trainable).map((p) => p.value);
  }

  get nonTrainableVariables(): readonly tf.Variable[] {
    return this.store.params.filter((p) => !p.spec.trainable).map((p) => p.value);
  }

  /** Parameters by PyTorch name (`layer1.0.conv1.weight`, `bn1.running_mean`, ...). */
  namedVariables(): Map<string, tf.Variable> {
    return new Map(this.store.params.map((p) => [p.spec.name, p.value]));
  }

  /** The affine parameters of the BatchNorm before each pre-activation tap, where the architecture names them. */
  preactBatchNorms(): Readonly<Record<string, { gamma: tf.Tensor; beta: tf.Tensor }>> {
    const named = this.namedVariables();
    return Object.fromEntries(Object.entries(this.network.preactNorms ?? {}).map(([tap, bn]) => [tap, { gamma: named.get(`${bn}.weight`)!, beta: named.get(`${bn}.bias`)! }]));
  }

  /** Counts elements; `trainableOnly` (default true) counts what PyTorch's `parameters()` holds. */
  countParams(options: { trainableOnly?: boolean } = {}): number {
    return this.store.count(options.trainableOnly ?? true);
  }

  forward(x: tf.Tensor, options: { training: boolean }): ModelOutput {
    if (this.disposed) throw new ArgumentError('model', `${this.name} has been disposed`);
    const [h, w, c] = this.inputShape;
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
      throw new ShapeError('x', `NHWC [batch, ${h}, ${w}, ${c}] for model ${this.name}`, x.shape);
    }
    if (x.dtype !== 'float32') throw new ShapeError('x', 'float32', x.dtype);
    const training = options.training === true;
    return tf.tidy(() => {
      const out = this.network.forward(x as tf.Tensor4D, { training });
      return { logits: out.logits, features: out.features };
    }) as ModelOutput;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const p of this.store.params) p.value.dispose();
  }
}
