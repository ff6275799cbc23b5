import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { nativeKernelNames } from '../src/index.js';
import { addonBuilt, randomArray, sameOnBoth, setup } from './helpers.js';

const data = (shape: number[], seed: number, dtype: 'float32' | 'int32' | 'bool') => {
  const values = randomArray(shape.reduce((a, b) => a * b, 1), seed, -50, 50);
  if (dtype === 'float32') return tf.tensor(values, shape, 'float32');
  if (dtype === 'int32') return tf.tensor(Int32Array.from(values, Math.round), shape, 'int32');
  return tf.tensor(Uint8Array.from(values, (v) => (v > 0 ? 1 : 0)), shape, 'bool');
};

describe.skipIf(!addonBuilt)('Tile and GatherV2 block copies vs the cpu backend (bit for bit)', () => {
  beforeAll(setup);

  it('are dkl-native kernels', () => {
    expect(nativeKernelNames()).toEqual(expect.arrayContaining([tf.Tile, tf.GatherV2]));
  });

  const tiles: Array<[number[], number[]]> = [
    [[7], [3]],
    [[2, 3], [1, 1]],
    [[2, 3], [4, 2]],
    [[9, 1, 1, 1], [1, 32, 32, 3]], // a per-example condition broadcast to the image shape (tf.where)
    [[1, 1, 1], [2, 3, 4]],
    [[2, 1, 3, 1], [2, 4, 1, 5]],
    [[3, 4, 1], [1, 1, 6]],
    [[2, 3, 4, 5, 2], [2, 1, 2, 1, 3]],
    [[2, 0, 3], [2, 2, 2]],
    [[4, 2], [0, 3]],
  ];
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    for (const [shape, reps] of tiles) {
      it(`tile ${dtype} [${shape}] x [${reps}]`, () => sameOnBoth(() => tf.tile(data(shape, shape.length * 7 + reps[0]!, dtype), reps)));
    }
  }

  it('where with a per-example condition (Tile inside broadcastTo) and its gradient', () =>
    sameOnBoth(() => {
      const cond = data([6, 1, 1, 1], 3, 'bool');
      const a = data([6, 5, 5, 3], 4, 'float32');
      const b = data([6, 5, 5, 3], 5, 'float32');
      const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.where(cond, p, q).square().sum())([a, b]);
      return [tf.where(cond, a, b), ga!, gb!, tf.broadcastTo(data([1, 4, 1], 6, 'float32'), [3, 4, 5])];
    }));

  const gathers: Array<[number[], number[], number[], number]> = [
    // x shape, indices shape, indices, axis
    [[10, 4, 4, 3], [4], [9, 0, 3, 3], 0], // the rows of a batch still to attack
    [[5, 6], [2, 3], [0, 5, 1, 2, 4, 4], 1],
    [[3, 4, 5], [2], [4, 0], -1],
    [[3, 4, 5], [3], [3, 1, 2], 1],
    [[6], [0], [], 0],
    [[2, 40, 20], [2, 2], [39, 0, 7, 7], 1],
  ];
  for (const dtype of ['float32', 'int32', 'bool'] as const) {
    for (const [shape, indexShape, indices, axis] of gathers) {
      it(`gather ${dtype} [${shape}] axis ${axis} indices [${indexShape}]`, () =>
        sameOnBoth(() => tf.gather(data(shape, shape.length + indices.length, dtype), tf.tensor(indices, indexShape, 'int32'), axis)));
    }
  }

  it('gather with batchDims and its gradient (the batched form runs on the cpu kernel)', () =>
    sameOnBoth(() => {
      const x = data([2, 5, 3], 8, 'float32');
      const idx = tf.tensor([[4, 0], [1, 1]], [2, 2], 'int32');
      const g = tf.grad((p: tf.Tensor) => tf.gather(p, idx, 1, 1).square().sum())(x);
      return [tf.gather(x, idx, 1, 1), g];
    }));

  it('an index out of range is the cpu kernel\'s error', async () => {
    await tf.setBackend('dkl-native');
    const before = tf.memory().numTensors;
    const x = tf.ones([4, 2]);
    const idx = tf.tensor1d([1, 4], 'int32');
    expect(() => tf.gather(x, idx)).toThrow('GatherV2: the index value 4 is not in [0, 3]');
    tf.dispose([x, idx]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
