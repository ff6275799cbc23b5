import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, SeededRng } from '../src/index.js';

interface Case {
  x: [number, number, number, number];
  k: [number, number];
  cout: number;
  stride: number | [number, number];
  pad: 'same' | 'valid';
}

function randomArray(rng: SeededRng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Value and gradients of sum(conv(x, w) * r) on the current backend, as plain arrays. */
function convGrads(c: Case, data: { x: Float32Array; w: Float32Array; r: Float32Array }, outShape: number[]) {
  return tf.tidy(() => {
    const x = tf.tensor4d(data.x, c.x);
    const w = tf.tensor4d(data.w, [c.k[0], c.k[1], c.x[3], c.cout]);
    const r = tf.tensor(data.r, outShape);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad).mul(r).sum();
    const [dx, dw] = tf.grads(f)([x, w]);
    return { dx: Array.from(dx!.dataSync()), dw: Array.from(dw!.dataSync()) };
  });
}

function expectClose(actual: number[], expected: number[], label: string): void {
  expect(actual.length, label).toBe(expected.length);
  const scale = Math.max(1, ...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst / scale, label).toBeLessThan(1e-5);
}

const cases: Case[] = [
  { x: [2, 9, 7, 3], k: [3, 3], cout: 4, stride: 1, pad: 'same' },
  { x: [2, 9, 7, 3], k: [3, 2], cout: 5, stride: 1, pad: 'valid' },
  { x: [1, 8, 8, 4], k: [3, 3], cout: 6, stride: 2, pad: 'same' },
  { x: [3, 11, 6, 2], k: [3, 3], cout: 3, stride: 2, pad: 'valid' },
  { x: [2, 10, 9, 5], k: [1, 1], cout: 7, stride: 2, pad: 'same' },
  { x: [1, 7, 12, 3], k: [5, 3], cout: 2, stride: [2, 1], pad: 'same' },
  { x: [2, 6, 5, 8], k: [2, 4], cout: 3, stride: [1, 2], pad: 'valid' },
];

describe('wasm convolution-gradient kernels', () => {
  beforeAll(async () => {
    await initBackend({ prefer: ['wasm'], env: {}, log: false });
  });

  for (const c of cases) {
    it(`match the cpu backend: x ${c.x.join('x')}, kernel ${c.k.join('x')}, stride ${String(c.stride)}, ${c.pad}`, async () => {
      const rng = new SeededRng(`${c.x}-${c.k}-${c.stride}-${c.pad}`);
      await tf.setBackend('wasm');
      const outShape = tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros([c.k[0], c.k[1], c.x[3], c.cout]) as tf.Tensor4D, c.stride, c.pad).shape);
      const data = {
        x: randomArray(rng, c.x.reduce((a, b) => a * b)),
        w: randomArray(rng, c.k[0] * c.k[1] * c.x[3] * c.cout),
        r: randomArray(rng, outShape.reduce((a, b) => a * b)),
      };
      const before = tf.memory().numTensors;
      const wasm = convGrads(c, data, outShape);
      expect(tf.memory().numTensors).toBe(before);
      await tf.setBackend('cpu');
      const cpu = convGrads(c, data, outShape);
      await tf.setBackend('wasm');
      expectClose(wasm.dw, cpu.dw, 'filter gradient');
      expectClose(wasm.dx, cpu.dx, 'input gradient');
    });
  }

  it('trains a small conv net on wasm without leaking tensors', async () => {
    await tf.setBackend('wasm');
    const rng = new SeededRng(11);
    const w1 = tf.variable(tf.tensor4d(randomArray(rng, 3 * 3 * 3 * 8), [3, 3, 3, 8]).mul(0.2)) as tf.Variable<tf.Rank.R4>;
    const w2 = tf.variable(tf.tensor4d(randomArray(rng, 3 * 3 * 8 * 4), [3, 3, 8, 4]).mul(0.2)) as tf.Variable<tf.Rank.R4>;
    const x = tf.tensor4d(randomArray(rng, 4 * 8 * 8 * 3), [4, 8, 8, 3]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4);
    const opt = tf.train.sgd(0.05);
    const loss = () =>
      tf.losses.softmaxCrossEntropy(y, tf.conv2d(tf.relu(tf.conv2d(x, w1, 1, 'same')), w2, 2, 'same').mean([1, 2])) as tf.Scalar;
    const first = opt.minimize(loss, true)!;
    const firstValue = first.dataSync()[0]!;
    first.dispose();
    const before = tf.memory().numTensors;
    let last = 0;
    for (let i = 0; i < 20; i++) {
      const l = opt.minimize(loss, true)!;
      last = l.dataSync()[0]!;
      l.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(firstValue);
    tf.dispose([w1, w2, x, y]);
    opt.dispose();
  });
});
