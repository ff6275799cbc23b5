import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormInference, SeededRng } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('batchNormInference (portable path)', () => {
  const rng = new SeededRng(9);
  const t = (shape: number[], lo = -1, hi = 1) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(lo, hi)), shape);

  for (const activation of ['linear', 'relu'] as const) {
    it(`${activation}: tf.batchNorm${activation === 'relu' ? ' + relu' : ''} in value and in the gradient of every input`, () => {
      const x = t([2, 3, 3, 4], -2, 2), mean = t([4]), variance = t([4], 0.2, 2), offset = t([4]), scale = t([4], 0.5, 1.5);
      const r = t([2, 3, 3, 4]);
      const reference = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => {
        const y = tf.batchNorm(a, m as tf.Tensor1D, v as tf.Tensor1D, o as tf.Tensor1D, s as tf.Tensor1D, 1e-3);
        return tf.sum(tf.mul(activation === 'relu' ? tf.relu(y) : y, r)) as tf.Scalar;
      };
      const ours = (a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
        tf.sum(tf.mul(batchNormInference(a, m, v, o, s, 1e-3, activation), r)) as tf.Scalar;
      const inputs = [x, mean, variance, offset, scale];
      expect(ours(x, mean, variance, offset, scale).dataSync()[0]).toBeCloseTo(reference(x, mean, variance, offset, scale).dataSync()[0]!, 5);
      const expected = tf.grads(reference)(inputs);
      const got = tf.grads(ours)(inputs);
      got.forEach((g, i) => expect(tf.max(tf.abs(tf.sub(g, expected[i]!))).dataSync()[0]).toBeLessThan(1e-5));
    });
  }

  it('names the offending argument', () => {
    const x = tf.zeros([2, 2, 2, 3]), p = tf.ones([3]);
    expect(() => batchNormInference(x, tf.ones([4]), p, p, p)).toThrow(/'mean' must be \[3\]/);
    expect(() => batchNormInference(x, p, p, p, tf.ones([3, 1]))).toThrow(/'scale' must be \[3\]/);
    expect(() => batchNormInference(x, p, p, p, p, 1e-5, 'gelu' as 'relu')).toThrow(/'activation'/);
  });
});
