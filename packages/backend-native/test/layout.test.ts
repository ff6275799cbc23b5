// Blocked activation layouts: native kernels hand oneDNN's nChw16c / nChw8c
// activations to each other; everything else must still see NHWC values.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import { sgdUpdate } from '@dkl/core';

import { NativeBackend, batchNormInference, batchNormTraining, loadAddon } from '../src/index.js';
import { addonBuilt, arr, compareBackends, compareWithGrads, randomArray, runOn, setup } from './helpers.js';

/** The layout oneDNN picks for the output of a 3x3 conv with `c` channels, as the addon reports it. */
function preferredBlock(c: number): number {
  const params = Int32Array.from([2, 6, 6, c, 6, 6, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  const x = randomArray(2 * 6 * 6 * c, 1), w = randomArray(9 * c * c, 2), y = new Float32Array(2 * 6 * 6 * c);
  return loadAddon().convForward(x, w, y, params, 0, 0, true);
}

function nativeBackend(): NativeBackend {
  return tf.backend() as NativeBackend;
}

describe.skipIf(!addonBuilt)('blocked activation layouts', () => {
  let block = 0;
  beforeAll(async () => {
    await setup();
    block = preferredBlock(16);
  });

  it('the addon reorders NHWC <-> blocked exactly', () => {
    const addon = loadAddon();
    const dims = Int32Array.from([2, 3, 5, 32]);
    const nhwc = randomArray(2 * 3 * 5 * 32, 3);
    for (const b of [8, 16]) {
      const blocked = new Float32Array(nhwc.length), back = new Float32Array(nhwc.length);
      addon.relayout(nhwc, blocked, dims, 0, b);
      // nChwBc: [n][c / B][h][w][c % B]
      const at = (n: number, h: number, w: number, c: number) => ((((n * (32 / b) + Math.floor(c / b)) * 3 + h) * 5 + w) * b) + (c % b);
      expect(blocked[at(1, 2, 4, 17)]).toBe(nhwc[((1 * 3 + 2) * 5 + 4) * 32 + 17]);
      addon.relayout(blocked, back, dims, b, 0);
      expect(back).toEqual(nhwc);
    }
    expect(() => addon.relayout(nhwc, new Float32Array(nhwc.length), Int32Array.from([2, 3, 5, 30]), 0, 16)).toThrow(/nChw16c needs a channel count that is a multiple of 16, got 30/);
  });

  it('the addon reorders HWIO <-> blocked filters exactly', () => {
    const addon = loadAddon();
    const dims = Int32Array.from([3, 2, 16, 32]);
    const hwio = randomArray(3 * 2 * 16 * 32, 4);
    for (const b of [8, 16]) {
      const blocked = new Float32Array(hwio.length), back = new Float32Array(hwio.length);
      addon.relayoutFilter(hwio, blocked, dims, 0, b);
      // OIhwBiBo: [o / B][i / B][h][w][i % B][o % B]
      const at = (h: number, w: number, i: number, o: number) =>
        (((((Math.floor(o / b) * (16 / b) + Math.floor(i / b)) * 3 + h) * 2 + w) * b + (i % b)) * b) + (o % b);
      expect(blocked[at(2, 1, 13, 29)]).toBe(hwio[((2 * 2 + 1) * 16 + 13) * 32 + 29]);
      addon.relayoutFilter(blocked, back, dims, b, 0);
      expect(back).toEqual(hwio);
    }
    expect(() => addon.relayoutFilter(hwio, new Float32Array(hwio.length), Int32Array.from([3, 2, 12, 32]), 0, 16)).toThrow(/multiple/);
  });

  it('convolutions leave blocked outputs, and every reader sees NHWC values', async () => {
    await tf.setBackend('dkl-native');
    const b = nativeBackend();
    const x = tf.tensor4d(randomArray(2 * 6 * 6 * 16, 4), [2, 6, 6, 16]);
    const w = tf.tensor4d(randomArray(3 * 3 * 16 * 16, 5, -0.2, 0.2), [3, 3, 16, 16]);
    const y = tf.conv2d(x, w, 1, 'same');
    expect(b.blockedOf(y)?.block ?? 0).toBe(block);
    const viaCpuKernel = tf.slice(tf.reshape(y, [2, 36, 16]), [1, 7, 3], [1, 2, 5]);
    const ref = await runOn('cpu', [{ values: x.dataSync() as Float32Array, shape: x.shape }, { values: w.dataSync() as Float32Array, shape: w.shape }],
      (a, f) => tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'same'));
    await tf.setBackend('dkl-native');
    // A cpu kernel (Slice) over a reshaped view reads NHWC values...
    const refValues = ref[0]!.values;
    const sliced = viaCpuKernel.dataSync();
    for (let i = 0; i < 2; ++i) {
      for (let c = 0; c < 5; ++c) expect(sliced[i * 5 + c]).toBeCloseTo(refValues[36 * 16 + (7 + i) * 16 + 3 + c]!, 4);
    }
    // ...and so does a download; the tensor is NHWC from then on.
    const values = y.dataSync();
    for (let i = 0; i < values.length; ++i) expect(Math.abs(values[i]! - refValues[i]!)).toBeLessThan(1e-4);
    expect(b.blockedOf(y)).toBeUndefined();
    tf.dispose([x, w, y, viaCpuKernel]);
  });

  it('elementwise ops keep a shared layout, and convert when the operands disagree', async () => {
    await tf.setBackend('dkl-native');
    const b = nativeBackend();
    const x = tf.tensor4d(randomArray(2 * 6 * 6 * 16, 6), [2, 6, 6, 16]);
    const w = tf.tensor4d(randomArray(3 * 3 * 16 * 16, 7, -0.2, 0.2), [3, 3, 16, 16]);
    const y1 = tf.conv2d(x, w, 1, 'same'), y2 = tf.conv2d(x, w, 1, 'same');
    const sum = tf.add(y1, y2), scaled = tf.mul(y1, 3), relu = tf.relu(y1);
    for (const t of [sum, scaled, relu]) expect(b.blockedOf(t)?.block ?? 0).toBe(block);
    // x is NHWC: a blocked copy of it is made for the call; x itself and y1 keep their layouts.
    const mixed = tf.add(x, y1);
    expect(b.blockedOf(mixed)?.block ?? 0).toBe(block);
    expect(b.blockedOf(x)).toBeUndefined();
    expect(b.blockedOf(y1)?.block ?? 0).toBe(block);
    const bias = tf.add(y2, tf.range(0, 16).toFloat()); // a per-channel broadcast needs NHWC
    expect(b.blockedOf(bias)).toBeUndefined();
    const y1v = y1.dataSync(), xv = x.dataSync(), sumv = sum.dataSync(), scaledv = scaled.dataSync();
    const reluv = relu.dataSync(), mixedv = mixed.dataSync(), biasv = bias.dataSync(), y2v = y2.dataSync();
    for (let i = 0; i < y1v.length; ++i) {
      expect(sumv[i]).toBeCloseTo(2 * y1v[i]!, 5);
      expect(scaledv[i]).toBeCloseTo(3 * y1v[i]!, 5);
      expect(reluv[i]).toBe(Math.max(0, y1v[i]!));
      expect(mixedv[i]).toBeCloseTo(y1v[i]! + xv[i]!, 5);
      expect(biasv[i]).toBeCloseTo(y2v[i]! + (i % 16), 5);
    }
    tf.dispose([x, w, y1, y2, sum, scaled, relu, mixed, bias]);
  });

  it('batch-norm training forward and backward run on blocked activations', async () => {
    await tf.setBackend('dkl-native');
    const b = nativeBackend();
    const x = tf.tensor4d(randomArray(3 * 5 * 5 * 32, 8), [3, 5, 5, 32]);
    const w = tf.tensor4d(randomArray(3 * 3 * 32 * 32, 9, -0.2, 0.2), [3, 3, 32, 32]);
    const gamma = tf.tensor1d(randomArray(32, 10, 0.5, 1.5)), beta = tf.tensor1d(randomArray(32, 11));
    const conv = tf.conv2d(x, w, 1, 'same');
    const { y } = batchNormTraining(conv, gamma, beta, 1e-5);
    expect(b.blockedOf(y)?.block ?? 0).toBe(preferredBlock(32));
    tf.dispose([x, w, gamma, beta, conv, y]);
  });

  it('inference batch-norm (tf.batchNorm) keeps blocked activations blocked and matches the cpu backend', async () => {
    await tf.setBackend('dkl-native');
    const b = nativeBackend();
    const y = tf.tidy(() => tf.batchNorm(tf.conv2d(tf.ones([1, 4, 4, 16]) as tf.Tensor4D, tf.ones([3, 3, 16, 16]) as tf.Tensor4D, 1, 'same'), tf.ones([16]), tf.ones([16])));
    expect(b.blockedOf(y)?.block ?? 0).toBe(block);
    y.dispose();
    const inputs = [arr([2, 5, 5, 16], 34), arr([3, 3, 16, 16], 35, -0.2, 0.2), arr([16], 36), arr([16], 37, 0.5, 2), arr([16], 38), arr([16], 39, 0.5, 1.5)];
    await compareBackends(inputs, (x, w, m, v, o, s) =>
      tf.relu(tf.batchNorm(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), m!, v!, o!, s!, 1e-5)));
  });

  // Inference batch-norm (running statistics) as attacks use it: value and the gradient of every
  // input against the cpu backend (tf.batchNorm's own gradient there), NHWC and blocked.
  for (const [label, c, viaConv] of [['NHWC', 6, false], ['blocked', 32, true]] as const) {
    for (const activation of ['linear', 'relu'] as const) {
      it(`batchNormInference (${label}, ${activation}): value and gradients match the cpu backend`, async () => {
        const stats = [arr([c], 82), arr([c], 83, 0.3, 2), arr([c], 84), arr([c], 85, 0.5, 1.5)];
        const x = arr([2, 5, 5, c], 80 + c, -2, 2);
        if (viaConv) {
          await compareWithGrads([x, arr([3, 3, c, c], 81, -0.2, 0.2), ...stats], (a, w, m, v, o, s) =>
            batchNormInference(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), m!, v!, o!, s!, 1e-5, activation));
        } else {
          await compareWithGrads([x, ...stats], (a, m, v, o, s) => batchNormInference(a!, m!, v!, o!, s!, 1e-5, activation));
        }
      });
    }
  }

  it('batchNormInference runs its input gradient as one native pass and keeps blocked layouts', async () => {
    await tf.setBackend('dkl-native');
    const b = nativeBackend();
    const spy = vi.spyOn(b.addon, 'bnInferBackward');
    const w = tf.tensor4d(randomArray(9 * 16 * 16, 90, -0.2, 0.2), [3, 3, 16, 16]);
    const p = tf.ones([16]), z = tf.zeros([16]);
    const x = tf.tensor4d(randomArray(2 * 6 * 6 * 16, 91), [2, 6, 6, 16]);
    const y = tf.tidy(() => batchNormInference(tf.conv2d(x, w, 1, 'same'), z, p, z, p, 1e-5, 'relu'));
    expect(b.blockedOf(y)?.block ?? 0).toBe(block);
    const g = tf.grad((a: tf.Tensor) => tf.sum(batchNormInference(tf.conv2d(a as tf.Tensor4D, w, 1, 'same'), z, p, z, p, 1e-5, 'relu')))(x);
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
    tf.dispose([w, p, z, x, y, g]);
  });

  it('gradients arriving in NHWC (from global pooling) meet blocked activations and stay correct', async () => {
    // mean's gradient is an NHWC broadcast; it meets the blocked relu input, batch-norm input and
    // the identity shortcut of a stack of blocks.
    const inputs = [arr([2, 6, 6, 32], 30), arr([3, 3, 32, 32], 31, -0.2, 0.2), arr([32], 32, 0.5, 1.5), arr([32], 33)];
    await compareWithGrads(inputs, (x, w, g, beta) => {
      let h = x!;
      for (let i = 0; i < 3; ++i) h = tf.relu(tf.add(batchNormTraining(tf.conv2d(h as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'), g!, beta!, 1e-5).y, h));
      return tf.mean(h, [1, 2]);
    });
  });

  // The chain of a residual block: conv -> batch-norm -> relu -> conv -> batch-norm -> + x -> relu,
  // then global pooling; value and the gradient of every input against the cpu backend.
  const block4 = (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, g1: tf.Tensor, b1: tf.Tensor, g2: tf.Tensor, b2: tf.Tensor) => {
    const h = tf.relu(batchNormTraining(tf.conv2d(x as tf.Tensor4D, w1 as tf.Tensor4D, 1, 'same'), g1, b1, 1e-5).y);
    const o = batchNormTraining(tf.conv2d(h as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'same'), g2, b2, 1e-5).y;
    return tf.mean(tf.relu(tf.add(o, x)), [1, 2]);
  };

  for (const c of [16, 32, 24]) {
    it(`a residual block with ${c} channels: value and gradients match the cpu backend`, async () => {
      const inputs = [
        arr([2, 7, 7, c], 20 + c), arr([3, 3, c, c], 21 + c, -0.2, 0.2), arr([3, 3, c, c], 22 + c, -0.2, 0.2),
        arr([c], 23 + c, 0.5, 1.5), arr([c], 24 + c), arr([c], 25 + c, 0.5, 1.5), arr([c], 26 + c),
      ];
      await compareWithGrads(inputs, block4);
    });
  }

  it('a strided conv with a 1x1 shortcut, max pooling and a dense head match the cpu backend', async () => {
    const inputs = [arr([2, 8, 8, 16], 40), arr([3, 3, 16, 32], 41, -0.2, 0.2), arr([1, 1, 16, 32], 42, -0.3, 0.3), arr([32, 5], 43)];
    await compareWithGrads(inputs, (x, w, s, d) => {
      const y = tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), tf.conv2d(x as tf.Tensor4D, s as tf.Tensor4D, 2, 'valid'));
      const p = tf.maxPool(tf.relu(y) as tf.Tensor4D, 2, 2, 'valid');
      return tf.matMul(tf.reshape(p, [2, -1]).slice([0, 0], [2, 32]), d);
    });
  });

  it('training steps on blocked activations leak no tensors and recycle their buffers', async () => {
    await tf.setBackend('dkl-native');
    const b = nativeBackend();
    const x = tf.tensor4d(randomArray(4 * 8 * 8 * 16, 50), [4, 8, 8, 16]);
    const vars = [
      tf.variable(tf.tensor4d(randomArray(9 * 16 * 16, 51, -0.2, 0.2), [3, 3, 16, 16])),
      tf.variable(tf.tensor4d(randomArray(9 * 16 * 16, 52, -0.2, 0.2), [3, 3, 16, 16])),
      tf.variable(tf.ones([16])), tf.variable(tf.zeros([16])), tf.variable(tf.ones([16])), tf.variable(tf.zeros([16])),
    ];
    const [w1, w2, g1, b1, g2, b2] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable, tf.Variable];
    const bufs = new Map<string, tf.Tensor>();
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(block4(x, w1, w2, g1, b1, g2, b2))) as tf.Scalar);
      for (const v of vars) {
        const r = sgdUpdate(v, grads[v.name]!, bufs.get(v.name) ?? null, { learningRate: 0.01, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: false });
        bufs.get(v.name)?.dispose();
        bufs.set(v.name, r.buf!);
        v.assign(r.w);
        r.w.dispose();
      }
      tf.dispose(grads);
      const loss = value.dataSync()[0]!;
      value.dispose();
      return loss;
    };
    const first = step();
    step();
    const tensors = tf.memory().numTensors, pooled = b.recycledBytes;
    let last = first;
    for (let i = 0; i < 20; ++i) last = step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(b.recycledBytes).toBeLessThanOrEqual(pooled + 4 * 8 * 8 * 16 * 4 * 8);
    expect(last).toBeLessThan(first);
    // The filters and their momentum now live in the blocked filter layout between steps.
    const filterBlock = b.blockedOf(w1)?.block ?? 0;
    expect(filterBlock > 0).toBe(block !== 0); // blocked exactly when this CPU's oneDNN prefers a block (unconditional)
    expect(b.blockedOf(bufs.get(w1.name)!)?.block ?? 0).toBe(filterBlock);
    tf.dispose([x, ...vars, ...bufs.values()]);
  });

  it('SGD with momentum on blocked filters: weights after 3 steps match the cpu backend', async () => {
    const inputs = [arr([2, 6, 6, 16], 70), arr([3, 3, 16, 32], 71, -0.2, 0.2), arr([3, 3, 32, 32], 72, -0.2, 0.2), arr([32, 4], 73)];
    const train = (x: tf.Tensor, ...init: tf.Tensor[]) => {
      const vars = init.map((t) => tf.variable(t));
      const bufs: Array<tf.Tensor | null> = vars.map(() => null);
      for (let s = 0; s < 3; ++s) {
        const { grads } = tf.variableGrads(() => {
          const h = tf.relu(tf.conv2d(x as tf.Tensor4D, vars[0] as tf.Variable<tf.Rank.R4>, 1, 'same'));
          const o = tf.mean(tf.relu(tf.conv2d(h, vars[1] as tf.Variable<tf.Rank.R4>, 2, 'same')), [1, 2]);
          return tf.sum(tf.square(tf.matMul(o, vars[2]!))) as tf.Scalar;
        }, vars);
        vars.forEach((v, i) => {
          const r = sgdUpdate(v, grads[v.name]!, bufs[i]!, { learningRate: 0.05, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true });
          bufs[i] = r.buf!;
          v.assign(r.w);
        });
      }
      const out = vars.map((v) => v.clone());
      vars.forEach((v) => v.dispose());
      return out;
    };
    await compareBackends(inputs, train);
    // Same inputs, same numbers: two runs on dkl-native agree bit for bit.
    const first = await runOn('dkl-native', inputs, train);
    const second = await runOn('dkl-native', inputs, train);
    first.forEach((a, i) => expect(Array.from(a.values)).toEqual(Array.from(second[i]!.values)));
  });

  it('DKL_NATIVE_LAYOUT=nhwc keeps every activation NHWC', async () => {
    await tf.setBackend('dkl-native');
    const b = nativeBackend();
    const saved = b.blockedLayouts;
    (b as { blockedLayouts: boolean }).blockedLayouts = false;
    try {
      const y = tf.tidy(() => tf.conv2d(tf.ones([1, 4, 4, 16]) as tf.Tensor4D, tf.ones([3, 3, 16, 16]) as tf.Tensor4D, 1, 'same'));
      expect(b.blockedOf(y)).toBeUndefined();
      y.dispose();
    } finally {
      (b as { blockedLayouts: boolean }).blockedLayouts = saved;
    }
    await compareBackends([arr([1, 4, 4, 16], 60)], (x) => tf.conv2d(x as tf.Tensor4D, tf.ones([3, 3, 16, 16]) as tf.Tensor4D, 1, 'same'));
  });
});
