import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import { NativeBackend } from '../src/index.js';
import { addonBuilt, arr, compareBackends, compareWithGrads, runOn, setup } from './helpers.js';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
interface Case {
  x: number[];
  w: number[];
  strides: number | [number, number];
  pad: Pad;
  dilations?: number | [number, number];
  rounding?: 'floor' | 'round' | 'ceil';
}

const cases: Case[] = [
  { x: [1, 7, 9, 3], w: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 7, 5], w: [3, 2, 5, 6], strides: 2, pad: 'valid' },
  { x: [2, 9, 8, 4], w: [3, 3, 4, 5], strides: 2, pad: 'same' },
  { x: [1, 9, 9, 4], w: [3, 3, 4, 3], strides: [2, 1], pad: [[0, 0], [1, 2], [2, 0], [0, 0]] },
  { x: [1, 5, 5, 2], w: [5, 5, 2, 3], strides: 1, pad: 'valid' },
  { x: [3, 6, 6, 16], w: [1, 1, 16, 8], strides: 2, pad: 'valid' },
  { x: [1, 10, 9, 3], w: [3, 3, 3, 2], strides: 1, pad: 1, rounding: 'ceil' },
];

describe.skipIf(!addonBuilt)('oneDNN convolution kernels vs the cpu backend', () => {
  beforeAll(setup);

  it('really runs Conv2D through the addon', async () => {
    await tf.setBackend('dkl-native');
    const backend = tf.backend() as NativeBackend;
    expect(backend).toBeInstanceOf(NativeBackend);
    const spy = vi.spyOn(backend.addon, 'convForward');
    tf.tidy(() => tf.conv2d(tf.ones([1, 4, 4, 2]) as tf.Tensor4D, tf.ones([3, 3, 2, 1]) as tf.Tensor4D, 1, 'same').dataSync());
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  cases.forEach((c, i) => {
    it(`conv2d ${JSON.stringify(c)}: value and gradients`, async () => {
      await compareWithGrads([arr(c.x, 10 + i), arr(c.w, 20 + i)], (x, w) =>
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad, 'NHWC', 1, c.rounding),
      );
    });
  });

  it('conv2d with dilations (forward; tfjs has no dilated conv gradient)', async () => {
    for (const [k, d] of [[3, 2], [2, 3]] as const) {
      await compareBackends([arr([2, 11, 10, 3], k), arr([k, k, 3, 4], d)], (x, w) =>
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', d),
      );
      await compareBackends([arr([1, 11, 10, 3], k + 5), arr([k, k, 3, 2], d + 5)], (x, w) =>
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid', 'NHWC', [d, 1]),
      );
    }
  });

  it('NCHW convolution falls back to the cpu kernel', async () => {
    await compareBackends([arr([1, 3, 6, 5], 1), arr([3, 3, 3, 2], 2)], (x, w) =>
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NCHW'),
    );
  });

  const fusedCases: Array<{ act: tf.fused.Activation; grads: boolean }> = [
    { act: 'linear', grads: true },
    { act: 'relu', grads: true },
    { act: 'relu6', grads: false },
    { act: 'elu', grads: false },
    { act: 'leakyrelu', grads: false },
    { act: 'sigmoid', grads: false },
    { act: 'prelu', grads: false },
  ];
  fusedCases.forEach(({ act, grads }, i) => {
    it(`fused conv2d + bias + ${act}${grads ? ' with gradients' : ''}`, async () => {
      const inputs = [arr([2, 7, 8, 3], 30 + i), arr([3, 3, 3, 4], 40 + i), arr([4], 50 + i)];
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: [2, 1], pad: 'same', bias: b,
          activation: act, leakyreluAlpha: 0.3,
          preluActivationWeights: act === 'prelu' ? tf.fill([4], 0.25) : undefined,
        });
      if (grads) await compareWithGrads(inputs, (x, w, b) => f(x!, w!, b!));
      else await compareBackends(inputs, (x, w, b) => f(x!, w!, b!));
    });
  });

  const dwCases: Array<{ x: number[]; w: number[]; strides: number | [number, number]; pad: Pad }> = [
    { x: [1, 7, 9, 3], w: [3, 3, 3, 1], strides: 1, pad: 'same' },
    { x: [2, 8, 7, 4], w: [3, 3, 4, 2], strides: 2, pad: 'same' },
    { x: [2, 9, 9, 2], w: [2, 3, 2, 3], strides: [1, 2], pad: 'valid' },
    { x: [1, 6, 7, 5], w: [3, 3, 5, 1], strides: 1, pad: [[0, 0], [2, 1], [0, 1], [0, 0]] },
  ];
  dwCases.forEach((c, i) => {
    it(`depthwiseConv2d ${JSON.stringify(c)}: value and gradients`, async () => {
      await compareWithGrads([arr(c.x, 60 + i), arr(c.w, 70 + i)], (x, w) =>
        tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.strides, c.pad),
      );
    });
  });

  it('depthwiseConv2d with dilation 2 and the fused depthwise kernel', async () => {
    await compareBackends([arr([1, 9, 10, 3], 1), arr([3, 3, 3, 2], 2)], (x, w) =>
      tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same', 'NHWC', 2),
    );
    await compareBackends([arr([2, 7, 7, 3], 3), arr([3, 3, 3, 2], 4), arr([6], 5)], (x, w, b) =>
      tf.fused.depthwiseConv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 2, pad: 'same', bias: b, activation: 'relu' }),
    );
  });

  it('calls the backprop kernels directly with odd shapes', async () => {
    const dy = arr([2, 4, 3, 5], 7);
    const w = arr([3, 3, 4, 5], 8);
    await compareBackends([dy, w], (d, f) => tf.conv2dTranspose(d as tf.Tensor4D, f as tf.Tensor4D, [2, 8, 6, 4], 2, 'same'));
    const out = await runOn('dkl-native', [dy, w], (d, f) => tf.conv2dTranspose(d as tf.Tensor4D, f as tf.Tensor4D, [2, 8, 6, 4], 2, 'same'));
    expect(out[0]!.shape).toEqual([2, 8, 6, 4]);
  });
});
