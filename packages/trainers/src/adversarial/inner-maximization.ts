import * as tf from '@tensorflow/tfjs';
import type { ClassifierModel, SeededRng } from '@dkl/core';

/** The inner objective: a scalar to maximise from natural (constant) and adversarial logits. */
export type AttackObjective = (natural: tf.Tensor, adversarial: tf.Tensor, labels: tf.Tensor) => tf.Scalar;

export interface InnerMaximizationOptions {
  readonly norm: 'linf' | 'l2';
  readonly epsilon: number;
  readonly steps: number;
  readonly stepSize: number;
  /** `normal`: x + 0.001 * N(0, 1), as the IKL-AT/TRADES code; `uniform`: U(-eps, eps); `none`. */
  readonly randomStart: 'normal' | 'uniform' | 'none';
}

function project(xAdv: tf.Tensor, x: tf.Tensor, norm: 'linf' | 'l2', epsilon: number): tf.Tensor {
  return tf.tidy(() => {
    let delta = xAdv.sub(x);
    if (norm === 'linf') delta = delta.clipByValue(-epsilon, epsilon);
    else {
      const axes = delta.shape.slice(1).map((_, i) => i + 1);
      const norms = delta.square().sum(axes, true).sqrt();
      delta = delta.mul(tf.minimum(1, tf.scalar(epsilon).div(norms.add(1e-12))));
    }
    return x.add(delta).clipByValue(0, 1);
  });
}

/**
 * PGD on `objective` with the model in inference mode (BatchNorm statistics untouched). The
 * natural logits are computed once and held constant; only the input is differentiated. Returns
 * the adversarial batch (caller disposes), always inside the epsilon ball and [0, 1].
 */
export function maximizeInner(
  model: ClassifierModel,
  x: tf.Tensor,
  labels: tf.Tensor,
  objective: AttackObjective,
  options: InnerMaximizationOptions,
  rng: SeededRng,
): tf.Tensor {
  const { norm, epsilon, steps, stepSize } = options;
  const natural = tf.tidy(() => model.forward(x, { training: false }).logits);
  let xAdv = tf.tidy(() => {
    if (options.randomStart === 'none' || epsilon === 0) return x.clone();
    const noise =
      options.randomStart === 'normal'
        ? tf.randomNormal(x.shape, 0, 0.001, 'float32', rng.tfSeed())
        : tf.randomUniform(x.shape, -epsilon, epsilon, 'float32', rng.tfSeed());
    return project(x.add(noise), x, norm, epsilon);
  });
  const gradient = tf.grad((input: tf.Tensor) => objective(natural, model.forward(input, { training: false }).logits, labels));
  for (let i = 0; i < steps && epsilon > 0; i++) {
    const next = tf.tidy(() => {
      const g = gradient(xAdv);
      let moved: tf.Tensor;
      if (norm === 'linf') moved = xAdv.add(g.sign().mul(stepSize));
      else {
        const axes = g.shape.slice(1).map((_, k) => k + 1);
        moved = xAdv.add(g.div(g.square().sum(axes, true).sqrt().add(1e-12)).mul(stepSize));
      }
      return project(moved, x, norm, epsilon);
    });
    xAdv.dispose();
    xAdv = next;
  }
  natural.dispose();
  return xAdv;
}
