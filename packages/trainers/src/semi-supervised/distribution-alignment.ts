import * as tf from '@tensorflow/tfjs';
import { ArgumentError, type PluginState } from '@dkl/core';

export interface DistributionAlignmentOptions {
  /** EMA momentum of the running class distributions (USB's `DistAlignEMAHook`: 0.999). */
  readonly momentum: number;
  /** Target distribution: uniform, or the running label distribution of the labelled batches. */
  readonly target: 'uniform' | 'labelled';
}

/**
 * Distribution alignment (ReMixMatch, Berthelot et al. 2020), as an optional FixMatch addition:
 * unlabelled probabilities are multiplied by `target / model` and renormalised, where `model` is
 * a running (EMA) mean of the predicted class distribution on unlabelled batches, updated with
 * the current batch before it is used. Its running tensors are step state (snapshots).
 */
export class DistributionAlignment {
  private model: tf.Tensor1D;
  private labelled: tf.Tensor1D;

  constructor(
    readonly numClasses: number,
    readonly options: DistributionAlignmentOptions,
  ) {
    if (!(options.momentum >= 0 && options.momentum < 1)) throw new ArgumentError('distributionAlignment.momentum', `must be in [0, 1), got ${options.momentum}`);
    this.model = tf.keep(tf.fill([numClasses], 1 / numClasses) as tf.Tensor1D);
    this.labelled = tf.keep(tf.fill([numClasses], 1 / numClasses) as tf.Tensor1D);
  }

  /** Updates the running distributions with this step's batches and returns the aligned probabilities (the caller owns them). */
  align(probs: tf.Tensor2D, labels: tf.Tensor): tf.Tensor2D {
    const m = this.options.momentum;
    const C = this.numClasses;
    const [model, labelled] = tf.tidy(() => [
      tf.add(tf.mul(this.model, m), tf.mul(tf.mean(probs, 0), 1 - m)) as tf.Tensor1D,
      tf.add(tf.mul(this.labelled, m), tf.mul(tf.mean(tf.oneHot(labels.cast('int32') as tf.Tensor1D, C).cast('float32'), 0), 1 - m)) as tf.Tensor1D,
    ]);
    this.model.dispose();
    this.labelled.dispose();
    this.model = tf.keep(model!);
    this.labelled = tf.keep(labelled!);
    return tf.tidy(() => {
      const target = this.options.target === 'uniform' ? tf.fill([C], 1 / C) : this.labelled;
      const scaled = tf.mul(probs, tf.div(tf.add(target, 1e-6), tf.add(this.model, 1e-6)));
      return tf.div(scaled, tf.sum(scaled, 1, true)) as tf.Tensor2D;
    });
  }

  saveState(): PluginState {
    return { json: null, tensors: { 'alignment/model': this.model, 'alignment/labelled': this.labelled } };
  }

  loadState(tensors: Readonly<Record<string, tf.Tensor>>): void {
    for (const key of ['model', 'labelled'] as const) {
      const t = tensors[`alignment/${key}`];
      if (!t || t.shape.join() !== String(this.numClasses)) throw new ArgumentError(`step/alignment/${key}`, `must be a [${this.numClasses}] tensor in the snapshot, got ${t ? `[${t.shape.join(', ')}]` : 'nothing'}`);
      this[key].dispose();
      this[key] = tf.keep(t.clone() as tf.Tensor1D);
    }
  }

  dispose(): void {
    tf.dispose([this.model, this.labelled]);
  }
}
