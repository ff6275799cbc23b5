import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectLinf } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('projectLinf', () => {
  it('clips to the eps ball and to [0, 1]', () => {
    const x = tf.tensor1d([0.0, 0.5, 0.98, 0.5]);
    const adv = tf.tensor1d([-0.2, 0.9, 1.5, 0.45]);
    expect(Array.from(projectLinf(adv, x, 0.1).dataSync()).map((v) => +v.toFixed(6))).toEqual([0, 0.6, 1, 0.45]);
  });

  it('rejects bad eps and shape mismatch, naming the argument', () => {
    const x = tf.zeros([2]);
    expect(() => projectLinf(x, x, -1)).toThrow(/'eps'/);
    expect(() => projectLinf(tf.zeros([3]), x, 0.1)).toThrow(/'xAdv'.*\[2\].*\[3\]/);
  });
});
