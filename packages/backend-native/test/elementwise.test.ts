import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import { batchNormTraining } from '../src/index.js';
import { NativeBackend } from '../src/index.js';
import { broadcastBlock } from '../src/kernels/elementwise.js';
import { addonBuilt, arr, compareBackends, compareWithGrads, expectClose, runOn, setup } from './helpers.js';

describe('broadcastBlock', () => {
  it('merges contiguous dimensions and marks broadcast ones with stride 0', () => {
    expect(Array.from(broadcastBlock([2, 3, 4], [2, 3, 4], [2, 3, 4]))).toEqual([1, 24, 1, 1]);
    expect(Array.from(broadcastBlock([2, 3, 4], [4], [2, 3, 4]))).toEqual([2, 6, 4, 4, 1, 0, 1]);
    expect(Array.from(broadcastBlock([2, 3, 4], [3, 1], [2, 3, 4]))).toEqual([3, 2, 3, 4, 12, 4, 1, 0, 1, 0]);
    expect(Array.from(broadcastBlock([], [], []))).toEqual([1, 1, 0, 0]);
  });
});

describe.skipIf(!addonBuilt)('OpenMP elementwise kernels vs the cpu backend', () => {
  beforeAll(setup);

  const shapes: Array<[number[], number[]]> = [
    [[2, 3, 4, 5], [2, 3, 4, 5]],
    [[2, 3, 4, 5], [5]],
    [[2, 3, 4, 5], [3, 1, 5]],
    [[2, 3, 4, 5], [2, 1, 1, 1]],
    [[2, 3, 4, 5], []],
    [[4, 1], [1, 6]],
    [[1], [7, 3]],
    [[64, 33, 35], [35]], // large enough to take the parallel path
  ];
  const ops: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
    ['add', tf.add],
    ['sub', tf.sub],
    ['mul', tf.mul],
    ['div', tf.div],
    ['maximum', tf.maximum],
    ['minimum', tf.minimum],
    ['squaredDifference', tf.squaredDifference],
  ];
  for (const [name, op] of ops) {
    it(`${name} with broadcasting: value and gradients`, async () => {
      for (const [i, [sa, sb]] of shapes.entries()) {
        // Divisors kept away from 0 so relative errors stay meaningful.
        const b = name === 'div' ? arr(sb, 500 + i, 0.5, 2) : arr(sb, 500 + i);
        const sameShape = sa.length === sb.length && sa.every((d, k) => d === sb[k]);
        // tfjs' SquaredDifference gradient does not reduce over broadcast axes (on any backend).
        // Likewise Maximum / Minimum: their gradients only hold for equal shapes.
        if (name !== 'add' && name !== 'sub' && name !== 'mul' && name !== 'div' && !sameShape) await compareBackends([arr(sa, 600 + i), b], (x, y) => op(x!, y!));
        else await compareWithGrads([arr(sa, 600 + i), b], (x, y) => op(x!, y!));
      }
    });
  }

  it('NaN propagates through maximum / minimum like the cpu kernel', async () => {
    const a = { values: Float32Array.from([NaN, 1, 2]), shape: [3] };
    const b = { values: Float32Array.from([0, NaN, 3]), shape: [3] };
    await compareBackends([a, b], (x, y) => [tf.maximum(x!, y!), tf.minimum(x!, y!)]);
  });

  it('the ReLU gradient is one fused kernel with the cpu backend\'s exact values, NaN and infinities included', async () => {
    const x = { values: Float32Array.from([NaN, -1, 0, -0, 1e-30, 2, 3, -4, 5, 6]), shape: [10] };
    const dy = { values: Float32Array.from([1, Infinity, Infinity, 2, -3, NaN, -Infinity, 0.5, 7, -0]), shape: [10] };
    const grad = (a: tf.Tensor, d: tf.Tensor) => tf.grad((t: tf.Tensor) => tf.relu(t))(a, d);
    const ref = await runOn('cpu', [x, dy], grad);
    await tf.setBackend('dkl-native');
    const spy = vi.spyOn((tf.backend() as NativeBackend).addon, 'binary');
    const got = await runOn('dkl-native', [x, dy], grad);
    expect(spy.mock.calls.map((c) => c[0])).toEqual([7]);
    spy.mockRestore();
    expect(Array.from(got[0]!.values)).toEqual(Array.from(ref[0]!.values));
    await compareWithGrads([arr([3, 5, 7, 16], 5)], (t) => tf.relu(t));
  });

  const unary: Array<[string, (x: tf.Tensor) => tf.Tensor, number, number]> = [
    ['relu', tf.relu, -1, 1],
    ['relu6', tf.relu6, -8, 8],
    ['neg', tf.neg, -1, 1],
    ['square', tf.square, -2, 2],
    ['sqrt', tf.sqrt, 0.1, 4],
    ['rsqrt', tf.rsqrt, 0.1, 4],
    ['exp', tf.exp, -3, 3],
    ['log', tf.log, 0.1, 4],
    ['abs', tf.abs, -1, 1],
    ['step', (x) => tf.step(x, 0.25), -1, 1],
  ];
  for (const [name, op, lo, hi] of unary) {
    it(`${name}: value and gradient`, async () => {
      await compareWithGrads([arr([3, 50, 7, 11], 700, lo, hi)], (x) => op(x!));
    });
  }

  const reductions: Array<[string, (x: tf.Tensor, axis: number | number[], keep: boolean) => tf.Tensor]> = [
    ['sum', tf.sum],
    ['mean', tf.mean],
    ['max', tf.max],
    ['min', tf.min],
  ];
  const axesCases: Array<[number[], number | number[]]> = [
    [[4, 5, 6, 7], [0, 1, 2]],
    [[4, 5, 6, 7], 1],
    [[4, 5, 6, 7], -1],
    [[4, 5, 6, 7], [1, 2]],
    [[4, 5, 6, 7], [0, 2]], // not contiguous: cpu fallback
    [[64, 16, 16, 8], [0, 1, 2]], // split across threads
    [[9], 0],
  ];
  for (const [name, op] of reductions) {
    it(`${name} over contiguous and other axes: value and gradient`, async () => {
      for (const [i, [shape, axis]] of axesCases.entries()) {
        for (const keep of [false, true]) {
          await compareWithGrads([arr(shape, 800 + i)], (x) => op(x!, axis, keep));
        }
      }
    });
  }

  it('batchNorm with per-channel and scalar parameters: value and gradients', async () => {
    const x = arr([3, 5, 4, 6], 900);
    const mean = arr([6], 901);
    const variance = arr([6], 902, 0.5, 2);
    const offset = arr([6], 903);
    const scale = arr([6], 904);
    await compareWithGrads([x, mean, variance, offset, scale], (a, m, v, o, s) => tf.batchNorm(a!, m!, v!, o!, s!, 1e-3));
    await compareBackends([x, { values: Float32Array.from([0.3]), shape: [1] }, variance], (a, m, v) => tf.batchNorm(a!, m!, v!));
  });

  it('batch-norm training pattern (moments + batchNorm) matches, gradients included', async () => {
    const f = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.relu(tf.batchNorm(x, mean, variance, b, g, 1e-5));
    };
    await compareWithGrads([arr([4, 6, 5, 8], 910), arr([8], 911), arr([8], 912)], (x, g, b) => f(x!, g!, b!));
  });

  it('int32 arithmetic stays on the cpu kernels', async () => {
    await tf.setBackend('dkl-native');
    const out = tf.tidy(() => tf.add(tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3, 4], 'int32')));
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.dataSync())).toEqual([4, 6]);
    out.dispose();
  });
});

describe.skipIf(!addonBuilt)('fused training batch-norm and Tile', () => {
  beforeAll(setup);

  it('tile matches the cpu kernel for several rank / reps combinations, gradient included', async () => {
    const cases: Array<[number[], number[]]> = [[[1, 1, 1, 5], [4, 3, 2, 1]], [[2, 3], [3, 2]], [[7], [5]], [[2, 1, 3], [1, 4, 1]]];
    for (const [i, [shape, reps]] of cases.entries()) {
      await compareWithGrads([arr(shape, 950 + i)], (x) => tf.tile(x!, reps));
    }
  });

  it('batchNormTraining equals moments + batchNorm on the cpu backend, value and gradients', async () => {
    const inputs = [arr([4, 5, 3, 6], 960, -2, 3), arr([6], 961), arr([6], 962)];
    const fused = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const r = batchNormTraining(x, g, b, 1e-5);
      // A non-uniform loss so every gradient term matters.
      return tf.mul(r.y, tf.add(r.y, 1));
    };
    const composite = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      const y = tf.batchNorm(x, mean, variance, b, g, 1e-5);
      return tf.mul(y, tf.add(y, 1));
    };
    const grads = (f: typeof fused) => (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { value, grads: gs } = tf.valueAndGrads((a: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => tf.sum(f(a, c, d)))([x, g, b]);
      return [value, ...gs];
    };
    const ref = await runOn('cpu', inputs, (x, g, b) => grads(composite)(x!, g!, b!));
    const got = await runOn('dkl-native', inputs, (x, g, b) => grads(fused)(x!, g!, b!));
    expectClose(got, ref, 2e-4);
    const stats = await runOn('dkl-native', inputs, (x, g, b) => {
      const r = batchNormTraining(x!, g!, b!);
      return [r.mean, r.variance];
    });
    const refStats = await runOn('cpu', inputs, (x) => {
      const m = tf.moments(x!, [0, 1, 2]);
      return [m.mean, m.variance];
    });
    expectClose(stats, refStats);
  });

  // Fused relu: the same bits as batch-norm followed by the separate relu kernels on this backend,
  // in NHWC (6 channels) and in the blocked layout (32 channels after a convolution).
  for (const [label, c, viaConv] of [['NHWC', 6, false], ['blocked', 32, true]] as const) {
    it(`batchNormTraining with a fused relu (${label}) equals batch-norm + relu exactly, gradients included`, async () => {
      const inputs = [arr([4, 5, 3, c], 970 + c, -2, 3), arr([c], 971, 0.5, 1.5), arr([c], 972), arr([3, 3, c, c], 973, -0.2, 0.2)];
      const run = (fusedRelu: boolean) => (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, w: tf.Tensor) => {
        const { value, grads: gs } = tf.valueAndGrads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
          const h = viaConv ? tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') : a;
          const y = fusedRelu ? batchNormTraining(h, gg, bb, 1e-5, 'relu').y : tf.relu(batchNormTraining(h, gg, bb, 1e-5).y);
          return tf.sum(tf.mul(y, tf.add(y, 1)));
        })([x, g, b]);
        return [value, ...gs];
      };
      const separate = await runOn('dkl-native', inputs, (x, g, b, w) => run(false)(x!, g!, b!, w!));
      await tf.setBackend('dkl-native');
      const spy = vi.spyOn((tf.backend() as NativeBackend).addon, 'bnTrainForward');
      const fused = await runOn('dkl-native', inputs, (x, g, b, w) => run(true)(x!, g!, b!, w!));
      expect(spy.mock.calls[0]![10]).toBe(true);
      spy.mockRestore();
      fused.forEach((f, i) => expect(Array.from(f.values), `output ${i}`).toEqual(Array.from(separate[i]!.values)));
      const portable = await runOn('cpu', inputs, (x, g, b, w) => run(true)(x!, g!, b!, w!));
      expectClose(fused, portable, 2e-4);
    });
  }

  it('batchNormTraining rejects parameters of the wrong size, naming the shapes', async () => {
    await tf.setBackend('dkl-native');
    tf.tidy(() => {
      expect(() => batchNormTraining(tf.zeros([2, 3]), tf.ones([4]), tf.zeros([3]))).toThrow(/'gamma' must be \[3\].*got \[4\]/);
    });
  });
});
