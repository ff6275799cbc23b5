import * as tf from '@tensorflow/tfjs';
import { sgdUpdate, type SgdUpdateOptions } from '@dkl/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';

import { NativeBackend } from '../src/index.js';
import { addonBuilt, randomArray, setup } from './helpers.js';

const base: SgdUpdateOptions = { learningRate: 0.05, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: false };
const variants: Array<[string, Partial<SgdUpdateOptions>, boolean]> = [
  ['first step', {}, false],
  ['momentum + weight decay', {}, true],
  ['dampening, no weight decay', { dampening: 0.25, weightDecay: 0 }, true],
  ['nesterov', { nesterov: true }, true],
  ['plain SGD', { momentum: 0 }, false],
];

async function run(backend: string, n: number, o: SgdUpdateOptions, withBuf: boolean): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const w = tf.tensor1d(randomArray(n, 1)), g = tf.tensor1d(randomArray(n, 2, -0.1, 0.1));
  const b = withBuf ? tf.tensor1d(randomArray(n, 3, -0.1, 0.1)) : null;
  const before = tf.memory().numTensors;
  const r = sgdUpdate(w, g, b, o);
  expect(tf.memory().numTensors).toBe(before + (r.buf ? 2 : 1));
  const out = [r.w, ...(r.buf ? [r.buf] : [])].map((t) => Float32Array.from(t.dataSync() as Float32Array));
  tf.dispose([w, g, ...(b ? [b] : []), r.w, ...(r.buf ? [r.buf] : [])]);
  return out;
}

describe.skipIf(!addonBuilt)('fused SGD update', () => {
  beforeAll(setup);

  it('runs through the addon on dkl-native', async () => {
    await tf.setBackend('dkl-native');
    const spy = vi.spyOn((tf.backend() as NativeBackend).addon, 'sgdUpdate');
    tf.tidy(() => sgdUpdate(tf.ones([4]), tf.ones([4]), tf.ones([4]), base).w.dataSync());
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });

  for (const n of [37, 100_003]) {
    for (const [name, over, withBuf] of variants) {
      it(`${name}, ${n} elements: the same bits as the cpu backend's composite update`, async () => {
        const o = { ...base, ...over };
        const ref = await run('cpu', n, o, withBuf);
        const got = await run('dkl-native', n, o, withBuf);
        expect(got.length).toBe(ref.length);
        got.forEach((a, i) => expect(a).toEqual(ref[i]));
      });
    }
  }

  it('rejects a missing momentum output instead of writing nowhere', async () => {
    await tf.setBackend('dkl-native');
    const addon = (tf.backend() as NativeBackend).addon;
    const one = new Float32Array(3);
    expect(() => addon.sgdUpdate(one, one, null, new Float32Array(3), null, Float64Array.from([0.1, 0.9, 0, 0, 0]))).toThrow(/bufOut/);
    expect(() => addon.sgdUpdate(one, new Float32Array(2), null, new Float32Array(3), null, Float64Array.from([0.1, 0, 0, 0, 0]))).toThrow(/'grad' has 2 elements/);
  });
});
