/**
 * dkl-native's bf16 mode rounds the operands of convolutions and matMuls to bf16; losses must stay
 * fp32 (the mixed-precision recipe). Every loss of the agreement grid gives the same bits, value and
 * gradients, in both precisions, so none of them runs a bf16 kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng, initBackend } from '@dkl/core';
import { afterAll, describe, expect, it } from 'vitest';
import { gridPointCases } from './helpers/agreement-cases.js';
import { randomLogits, toTensor, valueAndGrads } from './helpers/tensors.js';
import { BACKENDS } from './helpers/backends.js';

const withPrecision = async (precision: 'fp32' | 'bf16') => (await initBackend({ prefer: 'dkl-native', precision, log: false })).precision;

const onNative = BACKENDS.includes('dkl-native');
// Whether bf16 takes effect here: a CPU without AVX512_BF16 keeps dkl-native in fp32.
const BF16 = onNative && (await withPrecision('bf16')) === 'bf16';
if (onNative) await withPrecision('fp32');
if (onNative && !BF16) console.info('[@dkl/losses bf16 suite] skipped: this CPU has no AVX512_BF16, so dkl-native stays fp32');

describe.runIf(BF16)('on dkl-native in bf16 mode', () => {
  afterAll(() => withPrecision('fp32'));

  /** `f` evaluated once in fp32 and once in bf16. */
  async function bothPrecisions<T>(f: () => T): Promise<{ fp32: T; bf16: T }> {
    await withPrecision('fp32');
    const fp32 = f();
    await withPrecision('bf16');
    try {
      return { fp32, bf16: f() };
    } finally {
      await withPrecision('fp32');
    }
  }

  it('rounds a matMul (the mode is on, so the comparisons below mean something)', async () => {
    const rng = new SeededRng('bf16-control');
    const [a, b] = [randomLogits(rng, 8, 64, 3), randomLogits(rng, 64, 8, 3)].map(toTensor);
    const out = await bothPrecisions(() => tf.matMul(a, b).dataSync());
    expect(Array.from(out.bf16)).not.toEqual(Array.from(out.fp32));
    tf.dispose([a, b]);
  });

  it.each([[3, 10], [64, 100]])('B = %i, C = %i: every loss has the fp32 value and gradients, bit for bit', async (B, C) => {
    const point = gridPointCases(new SeededRng(`bf16-${B}-${C}`), B, C, 10);
    try {
      for (const c of point.cases) {
        const out = await bothPrecisions(() => valueAndGrads(c.f, c.inputs));
        expect(out.bf16, c.name).toEqual(out.fp32);
      }
    } finally {
      point.dispose();
    }
  });
});
