import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createContainer, LossRegistry } from '@dkl/core';
import { lossesModule, probabilityMse } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('probabilityMse (Mean Teacher consistency)', () => {
  it('equals mean (softmax(t/T) - softmax(r/T))^2; its closed-form gradient equals autodiff of that formula; the reference gets none', () => {
    const t = tf.randomNormal([6, 5], 0, 2, 'float32', 1);
    const r = tf.randomNormal([6, 5], 0, 2, 'float32', 2);
    const plain = (x: tf.Tensor) => tf.mean(tf.squaredDifference(tf.softmax(x.div(2) as tf.Tensor2D), tf.softmax(r.div(2) as tf.Tensor2D)));
    expect(probabilityMse(t, r, { temperature: 2 }).dataSync()[0]).toBeCloseTo(plain(t).dataSync()[0]!, 7);
    const g = tf.grad((x: tf.Tensor) => probabilityMse(x, r, { temperature: 2 }))(t).dataSync();
    const want = tf.grad(plain)(t).dataSync();
    g.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 7));
    const gr = tf.grad((x: tf.Tensor) => probabilityMse(t, x, { temperature: 2 }))(r).dataSync();
    expect(Array.from(gr).every((v) => v === 0)).toBe(true);
    expect(probabilityMse(r, r).dataSync()[0]).toBe(0);
    expect(() => probabilityMse(t, tf.zeros([6, 4]))).toThrow(/reference|shape/);
    expect(() => probabilityMse(t, r, { temperature: 0 })).toThrow(/options\.temperature/);
  });

  it("is the registered 'prob-mse' term, which needs reference logits", () => {
    const registry = createContainer([lossesModule]).get(LossRegistry);
    const term = registry.create('prob-mse', { weight: 3 });
    const t = tf.randomNormal([4, 3], 0, 1, 'float32', 3);
    const r = tf.randomNormal([4, 3], 0, 1, 'float32', 4);
    const labels = tf.tensor1d([0, 1, 2, 0], 'int32');
    expect(term.compute({ logits: t, reference: r, labels, epoch: 1, step: 0 }).dataSync()[0]).toBeCloseTo(3 * probabilityMse(t, r).dataSync()[0]!, 7);
    expect(() => term.compute({ logits: t, labels, epoch: 1, step: 0 })).toThrow(/needs reference logits/);
  });
});
