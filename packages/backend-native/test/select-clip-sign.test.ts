import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { nativeKernelNames } from '../src/index.js';
import { addonBuilt, randomArray, sameOnBoth, setup } from './helpers.js';

/** Values in [-2, 2) with exact zeros, -0, NaN and infinities mixed in. */
function awkward(shape: number[], seed: number): tf.Tensor {
  const values = randomArray(shape.reduce((a, b) => a * b, 1), seed, -2, 2);
  const specials = [0, -0, NaN, Infinity, -Infinity, 0.5, -0.5];
  for (let i = 0; i < values.length; i += 5) values[i] = specials[(i / 5) % specials.length]!;
  return tf.tensor(values, shape);
}

describe.skipIf(!addonBuilt)('Select, ClipByValue and Sign loops vs the cpu backend (bit for bit)', () => {
  beforeAll(setup);

  it('are dkl-native kernels', () => {
    expect(nativeKernelNames()).toEqual(expect.arrayContaining([tf.Select, tf.ClipByValue, tf.Sign]));
  });

  const shapes = [[7], [3, 5], [16, 32, 32, 3], []];
  for (const shape of shapes) {
    it(`sign, clipByValue and where on [${shape}]`, () =>
      sameOnBoth(() => {
        const x = awkward(shape, 11);
        const y = awkward(shape, 12);
        const cond = tf.greater(awkward(shape, 13), 0);
        // [0, 1]: -0 stays -0 (it is not below 0); 0.1: a bound that float32 rounds.
        return [tf.sign(x), tf.clipByValue(x, -0.3, 0.7), tf.clipByValue(x, 0, 1), tf.clipByValue(x, 0.1, 0.1), tf.where(cond, x, y)];
      }));
  }

  it('clipByValue at bounds that float32 cannot hold: the float32 neighbours of the bounds', () =>
    sameOnBoth(() => {
      const around = (v: number) => {
        const bits = new Int32Array(new Float32Array([v]).buffer)[0]!;
        return new Float32Array(new Int32Array([bits - 1, bits, bits + 1]).buffer);
      };
      const x = tf.tensor([...around(0.1), ...around(-0.1), ...around(1 / 3), -0, 0]);
      return [tf.clipByValue(x, -0.1, 0.1), tf.clipByValue(x, 0.1, 1 / 3), tf.clipByValue(x, -1 / 3, -0.1)];
    }));

  it('an attack-like step: sign of a gradient, projection by clipping, per-example selection, and gradients through them', () =>
    sameOnBoth(() => {
      const x0 = awkward([6, 4, 4, 3], 21);
      const g = tf.grad((x: tf.Tensor) => tf.clipByValue(x, -1, 1).mul(x).sum())(x0);
      const step = tf.clipByValue(x0.add(tf.sign(g).mul(0.25)), 0, 1);
      const better = tf.greater(tf.randomUniform([6, 1, 1, 1], 0, 1, 'float32', 3), 0.5);
      return [g, step, tf.where(better, step, x0)];
    }));

  it('other dtypes and the row form of Select run on the cpu kernels', () =>
    sameOnBoth(() => {
      const ints = tf.tensor([-3, 0, 2, 7], [4], 'int32');
      const rowCondition = tf.tensor([1, 0], [2], 'bool');
      const a = tf.ones([2, 3]);
      const b = tf.zeros([2, 3]);
      const select = tf.engine().runKernel(tf.Select, { condition: rowCondition, t: a, e: b }) as tf.Tensor;
      return [tf.sign(ints), tf.clipByValue(ints, -1, 5), tf.where(tf.tensor([true, false, true, false]), ints, ints.neg()), select];
    }));
});
