import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRng } from '@dkl/core';
import { avgPool2d, channelShuffle, Conv2d, maxPool2d } from '../src/nn/layers.js';
import { ParamStore, tfToTorch, torchToTf } from '../src/nn/param.js';
import { FIXTURES, maxAbsDiff, useCpu } from './helpers.js';

interface OpCase {
  name: string;
  op: 'conv' | 'maxpool' | 'avgpool' | 'shuffle';
  x: number[][][][];
  y: number[][][][];
  weight?: number[][][][];
  bias?: number[] | null;
  inChannels?: number;
  outChannels?: number;
  kernel?: number;
  stride?: number;
  padding?: number;
  groups?: number;
}

const cases = JSON.parse(readFileSync(path.join(FIXTURES, 'ops.expected.json'), 'utf8')) as OpCase[];
const nhwc = (a: number[][][][]) => tf.transpose(tf.tensor4d(a), [0, 2, 3, 1]) as tf.Tensor4D;
const nchw = (t: tf.Tensor) => tf.transpose(t, [0, 3, 1, 2]);

beforeAll(useCpu);

describe('layers match PyTorch ops (tools/fixtures-models/make_fixtures.py)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const y = tf.tidy(() => {
      const x = nhwc(c.x);
      switch (c.op) {
        case 'conv': {
          const store = new ParamStore();
          const conv = new Conv2d(store, 'conv', c.inChannels!, c.outChannels!, {
            kernel: c.kernel!,
            stride: c.stride!,
            padding: c.padding!,
            groups: c.groups!,
            bias: c.bias != null,
            init: 'torch',
          });
          store.materialize(new SeededRng(0), `ops_${c.name}`);
          conv.weight.value.assign(torchToTf(tf.tensor(c.weight!), conv.weight.spec.layout));
          if (conv.bias) conv.bias.value.assign(tf.tensor1d(c.bias!));
          const out = nchw(conv.forward(x));
          store.params.forEach((p) => p.value.dispose());
          return out;
        }
        case 'maxpool':
          return nchw(maxPool2d(x, 3, 2, 1));
        case 'avgpool':
          return nchw(avgPool2d(x, 3, 2, 1));
        case 'shuffle':
          return nchw(channelShuffle(x, c.groups!));
      }
    });
    expect(y.shape).toEqual([c.y.length, c.y[0]!.length, c.y[0]![0]!.length, c.y[0]![0]![0]!.length]);
    expect(maxAbsDiff(y, c.y as unknown as number[][])).toBeLessThan(1e-4);
    y.dispose();
  });

  it('layout conversions round-trip for every layout', () => {
    const t = tf.tensor(Array.from({ length: 2 * 1 * 3 * 3 }, (_, i) => i), [2, 1, 3, 3]);
    for (const layout of ['conv', 'depthwise'] as const) {
      const back = tf.tidy(() => tfToTorch(torchToTf(t, layout), layout));
      expect(back.arraySync()).toEqual(t.arraySync());
      back.dispose();
    }
    const lin = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const linT = torchToTf(lin, 'linear');
    expect(linT.arraySync()).toEqual([[1, 4], [2, 5], [3, 6]]);
    tf.dispose([t, lin, linT]);
  });
});

describe('BatchNorm2d training-mode gradient', () => {
  it('equals the gradient of the unfused batch-norm formula', async () => {
    const { BatchNorm2d } = await import('../src/nn/layers.js');
    const store = new ParamStore();
    const bn = new BatchNorm2d(store, 'bn', 3);
    store.materialize(new SeededRng(0), 'bn_grad_test');
    bn.weight.value.assign(tf.tensor1d([0.5, 1.5, -2]));
    bn.bias.value.assign(tf.tensor1d([0.1, -0.2, 0.3]));
    const x = tf.randomNormal([2, 3, 4, 3], 0, 2, 'float32', 7);
    const probe = tf.randomNormal([2, 3, 4, 3], 0, 1, 'float32', 8);
    const fused = (input: tf.Tensor) => tf.sum(tf.mul(bn.forward(input as tf.Tensor4D, { training: true }), probe));
    const reference = (input: tf.Tensor) => {
      const { mean, variance } = tf.moments(input, [0, 1, 2]);
      const y = tf.add(tf.mul(tf.mul(tf.sub(input, mean), tf.rsqrt(tf.add(variance, 1e-5))), bn.weight.value), bn.bias.value);
      return tf.sum(tf.mul(y, probe));
    };
    const g1 = tf.grad(fused)(x);
    const g2 = tf.grad(reference)(x);
    expect(tf.max(tf.abs(tf.sub(g1, g2))).dataSync()[0]).toBeLessThan(1e-5);
    const gw = tf.variableGrads(() => fused(x) as tf.Scalar, [bn.weight.value, bn.bias.value]);
    const gr = tf.variableGrads(() => reference(x) as tf.Scalar, [bn.weight.value, bn.bias.value]);
    for (const k of Object.keys(gw.grads)) expect(tf.max(tf.abs(tf.sub(gw.grads[k]!, gr.grads[k]!))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([x, probe, g1, g2, gw.value, gr.value, ...Object.values(gw.grads), ...Object.values(gr.grads)]);
    store.params.forEach((p) => p.value.dispose());
  });
});
