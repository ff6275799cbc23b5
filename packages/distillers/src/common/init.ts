import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '@dkl/core';

/**
 * A trainable variable drawn as PyTorch initialises conv weights and biases by default
 * (kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(fanIn), 1/sqrt(fanIn))), from `rng`.
 */
export function torchUniformVariable(shape: readonly number[], fanIn: number, rng: SeededRng): tf.Variable {
  const bound = 1 / Math.sqrt(fanIn);
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-bound, bound);
  // The variable outlives the tidy; its initial value does not.
  return tf.tidy(() => tf.variable(tf.tensor(values, [...shape]), true));
}
