import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormTraining, SeededRng } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('batchNormTraining (portable path)', () => {
  it('normalises with batch statistics and has the exact batch-norm gradient', () => {
    const rng = new SeededRng(4);
    const x = tf.tensor4d(Array.from({ length: 2 * 3 * 3 * 4 }, () => rng.normal(1, 2)), [2, 3, 3, 4]);
    const gamma = tf.tensor1d([1, 0.5, 2, -1]);
    const beta = tf.tensor1d([0, 1, -1, 0.5]);
    const r = tf.tensor4d(Array.from({ length: 72 }, () => rng.normal()), [2, 3, 3, 4]);
    const explicit = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const mean = a.mean([0, 1, 2]);
      const variance = a.sub(mean).square().mean([0, 1, 2]);
      return a.sub(mean).div(variance.add(1e-5).sqrt()).mul(g).add(b);
    };
    const ours = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNormTraining(a, g, b, 1e-5).y;
    const f = (op: typeof ours) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => op(a, g, b).mul(r).sum() as tf.Scalar;
    const expected = tf.grads(f(explicit))([x, gamma, beta]);
    const got = tf.grads(f(ours))([x, gamma, beta]);
    got.forEach((g, i) => expect(tf.max(tf.abs(g.sub(expected[i]!))).dataSync()[0]).toBeLessThan(1e-4));
    const { mean, variance } = batchNormTraining(x, gamma, beta);
    expect(mean.shape).toEqual([4]);
    expect(variance.dataSync()[0]).toBeGreaterThan(0);
    expect(() => batchNormTraining(x, tf.ones([3]), beta)).toThrow(/'gamma' must be \[4\]/);
    expect(() => batchNormTraining(x, gamma, beta, 1e-5, 'gelu' as 'relu')).toThrow(/'activation'.*'gelu'/);
  });

  it("activation 'relu' is relu of the output, gradients included", () => {
    const rng = new SeededRng(5);
    const x = tf.tensor4d(Array.from({ length: 2 * 3 * 3 * 4 }, () => rng.normal(0, 2)), [2, 3, 3, 4]);
    const gamma = tf.tensor1d([1, 0.5, 2, -1]), beta = tf.tensor1d([0, 1, -1, 0.5]);
    const r = tf.tensor4d(Array.from({ length: 72 }, () => rng.normal()), [2, 3, 3, 4]);
    const f = (act: 'linear' | 'relu') => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const y = batchNormTraining(a, g, b, 1e-5, act).y;
      return (act === 'relu' ? y : tf.relu(y)).mul(r).sum() as tf.Scalar;
    };
    const expected = tf.grads(f('linear'))([x, gamma, beta]);
    const got = tf.grads(f('relu'))([x, gamma, beta]);
    got.forEach((g, i) => expect(Array.from(g.dataSync())).toEqual(Array.from(expected[i]!.dataSync())));
    expect(tf.min(batchNormTraining(x, gamma, beta, 1e-5, 'relu').y).dataSync()[0]).toBe(0);
  });
});
