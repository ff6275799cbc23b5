import * as tf from '@tensorflow/tfjs';
import { batchNormTraining, type BatchNormActivation } from '@dkl/core';

const MOMENTUM = 0.1;
const EPSILON = 1e-5;

/**
 * `nn.BatchNorm2d` of a distiller's module, always in training mode (the modules exist only
 * while training): batch statistics normalise, PyTorch's running statistics (unbiased variance,
 * momentum 0.1) are kept as state. gamma 1, beta 0.
 */
export class TrainingBatchNorm {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(channels: number) {
    // Variables outlive the tidy; their initial values do not.
    [this.gamma, this.beta, this.runningMean, this.runningVar] = tf.tidy(() => [
      tf.variable(tf.ones([channels]), true),
      tf.variable(tf.zeros([channels]), true),
      tf.variable(tf.zeros([channels]), false),
      tf.variable(tf.ones([channels]), false),
    ]);
  }

  get trainable(): tf.Variable[] {
    return [this.gamma, this.beta];
  }

  get state(): tf.Variable[] {
    return [this.runningMean, this.runningVar];
  }

  forward(x: tf.Tensor4D, activation: BatchNormActivation = 'linear'): tf.Tensor4D {
    const { y, mean, variance } = batchNormTraining(x, this.gamma, this.beta, EPSILON, activation);
    const n = x.size / x.shape[3];
    tf.tidy(() => {
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - MOMENTUM), tf.mul(mean, MOMENTUM)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - MOMENTUM), tf.mul(variance, (MOMENTUM * n) / Math.max(n - 1, 1))));
    });
    return y as tf.Tensor4D;
  }
}
