import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { addonBuilt, arr, compareBackends, compareWithGrads, expectClose, runOn, setup } from './helpers.js';

describe.skipIf(!addonBuilt)('oneDNN matmul kernels vs the cpu backend', () => {
  beforeAll(setup);

  const cases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [
    { a: [7, 5], b: [5, 3], ta: false, tb: false },
    { a: [5, 7], b: [5, 3], ta: true, tb: false },
    { a: [7, 5], b: [3, 5], ta: false, tb: true },
    { a: [5, 1], b: [3, 5], ta: true, tb: true },
    { a: [3, 4, 5], b: [3, 5, 2], ta: false, tb: false },
    { a: [1, 4, 5], b: [3, 5, 2], ta: false, tb: false },
    { a: [2, 3, 5, 4], b: [2, 3, 2, 5], ta: true, tb: true },
    { a: [2, 1, 4, 5], b: [3, 5, 2], ta: false, tb: false }, // general broadcast: cpu fallback
  ];
  cases.forEach((c, i) => {
    // tfjs' BatchMatMul gradient does not reduce over broadcast batch axes (on any backend).
    const broadcast = c.a.slice(0, -2).join() !== c.b.slice(0, -2).join() && c.a.length > 2 && c.b.length > 2;
    it(`matMul ${JSON.stringify(c)}: value${broadcast ? '' : ' and gradients'}`, async () => {
      const inputs = [arr(c.a, 100 + i), arr(c.b, 200 + i)];
      if (broadcast) await compareBackends(inputs, (a, b) => tf.matMul(a!, b!, c.ta, c.tb));
      else await compareWithGrads(inputs, (a, b) => tf.matMul(a!, b!, c.ta, c.tb));
    });
  });

  for (const act of ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid'] as const) {
    it(`fused matMul + bias + ${act}`, async () => {
      const f = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) =>
        tf.fused.matMul({ a, b, bias, activation: act, leakyreluAlpha: 0.1, transposeB: true });
      const inputs = [arr([9, 6], 1), arr([4, 6], 2), arr([4], 3)];
      if (act === 'linear' || act === 'relu') await compareWithGrads(inputs, (a, b, bias) => f(a!, b!, bias!));
      else await compareBackends(inputs, (a, b, bias) => f(a!, b!, bias!));
    });
  }

  it('keeps int32 matmuls on the cpu kernel', async () => {
    await tf.setBackend('dkl-native');
    const out = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]], [1, 2], 'int32'), tf.tensor2d([[3], [4]], [2, 1], 'int32')));
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual([11]);
    out.dispose();
  });
});

describe.skipIf(!addonBuilt)('oneDNN pooling kernels vs the cpu backend', () => {
  beforeAll(setup);

  const cases: Array<{ x: number[]; k: number | [number, number]; s: number | [number, number]; pad: 'same' | 'valid' | number }> = [
    { x: [1, 7, 9, 3], k: 3, s: 2, pad: 'same' },
    { x: [2, 8, 8, 4], k: 2, s: 2, pad: 'valid' },
    { x: [2, 9, 7, 2], k: [3, 2], s: [1, 2], pad: 'valid' },
    { x: [1, 5, 6, 3], k: 3, s: 1, pad: 'same' },
    { x: [1, 6, 6, 2], k: 3, s: 2, pad: 1 },
  ];
  cases.forEach((c, i) => {
    it(`maxPool ${JSON.stringify(c)}: value and gradient`, async () => {
      await compareWithGrads([arr(c.x, 300 + i)], (x) => tf.maxPool(x as tf.Tensor4D, c.k, c.s, c.pad));
    });
    it(`avgPool ${JSON.stringify(c)}: value${c.pad === 'valid' ? ' and gradient' : ''}`, async () => {
      const f = (x: tf.Tensor) => tf.avgPool(x as tf.Tensor4D, c.k, c.s, c.pad);
      if (c.pad === 'valid') await compareWithGrads([arr(c.x, 400 + i)], (x) => f(x!));
      else await compareBackends([arr(c.x, 400 + i)], (x) => f(x!));
    });
  });

  it('avgPool gradient with same padding is the exact vjp of the cpu forward pass', async () => {
    // tfjs' cpu AvgPoolGrad divides by the full window even where the forward
    // pass excluded padding, so the reference here is the forward pass itself:
    // dx[i] = <dy, avgPool(e_i)> for every basis vector e_i (the map is linear).
    const shape = [1, 5, 4, 2];
    const n = 40;
    const dy = arr([1, 3, 2, 2], 5);
    const f = (x: tf.Tensor) => tf.avgPool(x as tf.Tensor4D, 3, 2, 'same');
    await tf.setBackend('cpu');
    const ref = new Float32Array(n);
    tf.tidy(() => {
      const dyT = tf.tensor(dy.values, dy.shape);
      for (let i = 0; i < n; ++i) {
        const e = tf.oneHot(i, n).reshape(shape).toFloat();
        ref[i] = tf.sum(tf.mul(f(e), dyT)).dataSync()[0]!;
      }
    });
    const got = await runOn('dkl-native', [arr(shape, 1), dy], (x, d) => tf.grad((t: tf.Tensor) => f(t))(x!, d!));
    expectClose(got, [{ values: ref, shape }]);
  });
});
