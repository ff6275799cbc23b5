import * as tf from '@tensorflow/tfjs';
import type { ClassifierModel } from '@dkl/core';

export interface AwpOptions {
  /** Relative size of the weight perturbation (the authors' `--awp-gamma`, 0.005). */
  readonly gamma: number;
  /** First epoch with AWP (the authors' `--awp-warmup`, 10). */
  readonly warmupEpochs: number;
  /** Learning rate of the proxy step (the authors use the base lr, 0.2). */
  readonly proxyLearningRate: number;
}

/**
 * Adversarial weight perturbation (Wu et al. 2020) as the IKL-AT scripts apply it: one SGD ascent
 * step of the training objective on a copy of the weights, rescaled per parameter to
 * `gamma * ||w||`, added to multi-dimensional weights (conv and linear kernels) before the
 * update and subtracted after it. BatchNorm statistics touched by the proxy forward are restored.
 */
export class AdversarialWeightPerturbation {
  private applied: Array<[tf.Variable, tf.Tensor]> = [];

  constructor(
    private readonly model: ClassifierModel,
    readonly options: AwpOptions,
  ) {}

  perturb(objective: () => tf.Scalar): void {
    this.restore();
    const weights = this.model.trainableVariables.filter((v) => v.rank > 1) as tf.Variable[];
    const stats = this.model.nonTrainableVariables.map((v) => v.clone());
    try {
      const { value, grads } = tf.variableGrads(objective, weights);
      value.dispose();
      this.applied = tf.tidy(() =>
        weights.map((w): [tf.Variable, tf.Tensor] => {
          const diff = grads[w.name]!.mul(this.options.proxyLearningRate);
          const scaled = diff.mul(w.norm().div(diff.norm().add(1e-20))).mul(this.options.gamma);
          return [w, tf.keep(scaled)];
        }),
      );
      tf.dispose(Object.values(grads));
      tf.tidy(() => this.applied.forEach(([w, v]) => w.assign(w.add(v))));
    } finally {
      this.model.nonTrainableVariables.forEach((v, i) => v.assign(stats[i]!));
      tf.dispose(stats);
    }
  }

  /** Removes the perturbation (idempotent). */
  restore(): void {
    tf.tidy(() => this.applied.forEach(([w, v]) => w.assign(w.sub(v))));
    tf.dispose(this.applied.map(([, v]) => v));
    this.applied = [];
  }
}
