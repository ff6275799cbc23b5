/**
 * Core's fused ops on webgpu (Dawn on SwiftShader here; set up by tools/setup/swiftshader.mjs):
 * webgpu registers no Dkl* kernel, so each op takes its portable path there, and that path must
 * give cpu's values and gradients. sgdUpdate's composite runs one tfjs kernel per float32
 * operation, so it matches PyTorch's element-wise float32 rounding bit for bit on webgpu too.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSwiftShader } from '../../../tools/setup/swiftshader.mjs';
import {
  batchNormInference,
  batchNormTraining,
  BN_INFER_KERNEL,
  BN_TRAIN_KERNEL,
  initBackend,
  SeededRng,
  SGD_UPDATE_KERNEL,
  sgdUpdate,
  type SgdUpdateOptions,
} from '../src/index.js';

const rng = new SeededRng('webgpu-fused');
const values = (n: number, mean = 0, std = 1) => Array.from({ length: n }, () => rng.normal(mean, std));
const shape: [number, number, number, number] = [3, 5, 5, 6];
const x = values(3 * 5 * 5 * 6, 1, 2);
const r = values(3 * 5 * 5 * 6);
const gamma = values(6, 1, 0.5);
const beta = values(6);
const runMean = values(6);
const runVar = values(6).map((v) => 0.5 + v * v);

async function onBackend<T>(name: string, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend({ prefer: name, log: false });
  const before = tf.memory().numTensors;
  const out = tf.tidy(fn);
  const read = await Promise.all(out.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(out);
  expect(tf.memory().numTensors).toBe(before);
  return read;
}

function expectClose(got: Float32Array[], want: Float32Array[], tol: number): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    const w = want[k]!;
    expect(g.length).toBe(w.length);
    const scale = Math.max(1, ...Array.from(w, Math.abs));
    for (let i = 0; i < g.length; i++) expect(Math.abs(g[i]! - w[i]!)).toBeLessThan(tol * scale);
  });
}

beforeAll(async () => {
  if (!process.env['VK_ICD_FILENAMES']) useSwiftShader();
  const info = await initBackend({ prefer: 'webgpu', log: false });
  console.info(`[core webgpu] adapter ${info.adapter?.description} (${info.adapter?.software ? 'software' : 'hardware'})`);
  // The ops' portable paths are what runs on webgpu: nothing registers their kernels there.
  for (const kernel of [BN_TRAIN_KERNEL, BN_INFER_KERNEL, SGD_UPDATE_KERNEL]) expect(tf.getKernel(kernel, 'webgpu')).toBeUndefined();
});
afterAll(async () => {
  await initBackend({ prefer: 'cpu', log: false });
});

describe('fused ops on webgpu give cpu results', () => {
  for (const activation of ['linear', 'relu'] as const) {
    it(`batchNormTraining (${activation}): y, batch statistics and the gradients of x, gamma, beta`, async () => {
      const run = () => {
        const [xt, g, b, rt] = [tf.tensor4d(x, shape), tf.tensor1d(gamma), tf.tensor1d(beta), tf.tensor4d(r, shape)];
        const { y, mean, variance } = batchNormTraining(xt, g, b, 1e-5, activation);
        const grads = tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => batchNormTraining(a, gg, bb, 1e-5, activation).y.mul(rt).sum())([xt, g, b]);
        return [y, mean, variance, ...grads];
      };
      expectClose(await onBackend('webgpu', run), await onBackend('cpu', run), 1e-5);
    });

    it(`batchNormInference (${activation}): y and the gradients of every input`, async () => {
      const run = () => {
        const t = [tf.tensor4d(x, shape), tf.tensor1d(runMean), tf.tensor1d(runVar), tf.tensor1d(beta), tf.tensor1d(gamma)];
        const rt = tf.tensor4d(r, shape);
        const y = batchNormInference(t[0]!, t[1]!, t[2]!, t[3]!, t[4]!, 1e-5, activation);
        const grads = tf.grads((a: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) => batchNormInference(a, m, v, o, s, 1e-5, activation).mul(rt).sum())(t);
        return [y, ...grads];
      };
      expectClose(await onBackend('webgpu', run), await onBackend('cpu', run), 1e-5);
    });
  }

  const base: SgdUpdateOptions = { learningRate: 0.1, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: false };
  const variants: Array<[string, Partial<SgdUpdateOptions>, boolean]> = [
    ['momentum + weight decay, first step', {}, false],
    ['momentum + weight decay', {}, true],
    ['dampening', { dampening: 0.3 }, true],
    ['nesterov', { nesterov: true }, true],
    ['plain SGD', { momentum: 0 }, false],
  ];
  for (const [name, o, withBuf] of variants) {
    it(`sgdUpdate, ${name}: cpu's bits`, async () => {
      const options = { ...base, ...o };
      const [w, g, b] = [values(257), values(257), values(257)];
      const run = () => {
        const out = sgdUpdate(tf.tensor1d(w), tf.tensor1d(g), withBuf ? tf.tensor1d(b) : null, options);
        return out.buf ? [out.w, out.buf] : [out.w];
      };
      const gpu = await onBackend('webgpu', run);
      const cpu = await onBackend('cpu', run);
      gpu.forEach((t, k) => expect(Array.from(t)).toEqual(Array.from(cpu[k]!)));
    });
  }
});
