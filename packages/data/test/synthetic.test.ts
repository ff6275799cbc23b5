import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { classCounts, makeSyntheticDataset } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('synthetic Gaussian-blob datasets', () => {
  it('any shape and class count, balanced, seeded', () => {
    const a = makeSyntheticDataset({ shape: [5, 7, 2], numClasses: 3, size: 30, seed: 'x' });
    const b = makeSyntheticDataset({ shape: [5, 7, 2], numClasses: 3, size: 30, seed: 'x' });
    const c = makeSyntheticDataset({ shape: [5, 7, 2], numClasses: 3, size: 30, seed: 'y' });
    expect(a.shape).toEqual([5, 7, 2]);
    expect(a.get(0).image.length).toBe(70);
    expect(classCounts(a)).toEqual([10, 10, 10]);
    expect(Array.from(b.get(4).image)).toEqual(Array.from(a.get(4).image));
    expect(Array.from(c.get(4).image)).not.toEqual(Array.from(a.get(4).image));
    expect(() => makeSyntheticDataset({ shape: [5, 0, 2], numClasses: 3, size: 1, seed: 1 })).toThrow(/options.shape/);
  });

  it('a small network learns it: held-out accuracy well above chance after a few epochs', async () => {
    const opts = { shape: [8, 8, 3] as [number, number, number], numClasses: 4, prototypeSeed: 5, noise: 0.15 };
    const train = makeSyntheticDataset({ ...opts, size: 200, seed: 'train' });
    const test = makeSyntheticDataset({ ...opts, size: 80, seed: 'test' });
    const toTensors = (d: typeof train): [tf.Tensor, tf.Tensor] =>
      tf.tidy(() => {
        const x = new Float32Array(d.length * 192);
        const y = new Int32Array(d.length);
        for (let i = 0; i < d.length; i++) {
          x.set(Array.from(d.get(i).image, (v) => v / 255), i * 192);
          y[i] = d.get(i).label;
        }
        return [tf.tensor2d(x, [d.length, 192]), tf.oneHot(tf.tensor1d(y, 'int32'), 4)];
      });
    const before = tf.memory().numTensors;
    const [xt, yt] = toTensors(train);
    const [xv, yv] = toTensors(test);
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [192], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }), tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) })] });
    const optimizer = tf.train.adam(0.01);
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    await model.fit(xt, yt, { epochs: 15, batchSize: 32, shuffle: false, verbose: 0 });
    const acc = tf.tidy(() => (model.evaluate(xv, yv) as tf.Scalar[])[1]!.dataSync()[0]!);
    expect(acc).toBeGreaterThan(0.9);
    tf.dispose([xt, yt, xv, yv]);
    model.dispose();
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
