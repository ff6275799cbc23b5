import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy, decoupledKL, dkdLoss, dklOptions, gklKdOptions, iklAtOptions, iklKdOptions, kdLoss, tradesLoss } from '../src/index.js';
import { pairwiseDecoupledKL } from './helpers/pairwise-oracle.js';
import { valueAndGrads } from './helpers/tensors.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const RUNS = { numRuns: 25, seed: 20240613 };

/** Arbitrary [B, C] logits pair (plus prior rows) with B in 1..6, C in 2..12. */
const batchArb = fc
  .record({ B: fc.integer({ min: 1, max: 6 }), C: fc.integer({ min: 2, max: 12 }), scale: fc.constantFrom(0.1, 1, 5, 30) })
  .chain(({ B, C, scale }) => {
    const row = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: C, maxLength: C });
    const m = fc.array(row, { minLength: B, maxLength: B }).map((x) => x.map((r) => r.map((v) => Math.fround(v * scale))));
    const prior = fc
      .array(fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: C, maxLength: C }), { minLength: B, maxLength: B })
      .map((x) => x.map((r) => { const s = r.reduce((p, q) => p + q, 0); return r.map((v) => Math.fround(v / s)); }));
    return fc.record({ a: m, b: m, prior });
  });

const close = (x: number, y: number, rtol = 2e-5, atol = 1e-6) => Math.abs(x - y) <= rtol * Math.abs(y) + atol;
function expectGradsClose(got: number[][][], want: number[][][], atol = 1e-6): void {
  got.forEach((g, i) => g.forEach((row, b) => row.forEach((v, j) => {
    if (!close(v, want[i]![b]![j]!, 2e-5, atol)) expect.fail(`grad[${i}][${b}][${j}] ${v} vs ${want[i]![b]![j]}`);
  })));
}

describe('properties (fast-check)', () => {
  it('Theorem 1: plain DKL has exactly the gradients of KL (both sides: TRADES KL; student side: KD at T = 1)', () => {
    fc.assert(
      fc.property(batchArb, ({ a, b }) => {
        const dkl = valueAndGrads((r, t) => decoupledKL(r!, t!, dklOptions({ referenceGradient: true })), [a, b]);
        const kl = valueAndGrads((n, x) => tradesLoss(n!, x!), [a, b]);
        expectGradsClose(dkl.grads, kl.grads);
        const kd = valueAndGrads((s, t) => kdLoss(s!, t!, { temperature: 1 }), [b, a]);
        const dklKd = valueAndGrads((r, t) => decoupledKL(r!, t!, dklOptions()), [a, b]);
        expectGradsClose([dklKd.grads[1]!], [kd.grads[0]!]);
        // frozen teacher: no gradient reaches the reference
        expect(dklKd.grads[0]!.flat().every((v) => v === 0)).toBe(true);
      }),
      RUNS,
    );
  });

  it('the O(B·C) wMSE equals the [B, C, C] pairwise oracle in value and gradients', () => {
    fc.assert(
      fc.property(batchArb, fc.constantFrom('dkl', 'iklKd', 'gklKd', 'iklAt', 'gamma0'), ({ a, b, prior }, variant) => {
        const priorT = tf.tensor2d(prior);
        const options = {
          dkl: dklOptions({ referenceGradient: true }),
          iklKd: iklKdOptions({ weightTemperature: 2 }),
          gklKd: gklKdOptions({ classWeights: priorT, gamma: 0.3, referenceGradient: true }),
          iklAt: iklAtOptions({ classWeights: priorT }),
          gamma0: gklKdOptions({ gamma: 0, symmetric: false }),
        }[variant];
        try {
          const fast = valueAndGrads((r, t) => decoupledKL(r!, t!, options), [a, b]);
          const slow = valueAndGrads((r, t) => pairwiseDecoupledKL(r as tf.Tensor2D, t as tf.Tensor2D, options), [a, b]);
          expect(close(fast.value, slow.value, 1e-5, 1e-5)).toBe(true);
          expectGradsClose(fast.grads, slow.grads, 1e-5);
        } finally {
          priorT.dispose();
        }
      }),
      RUNS,
    );
  });

  it('IKL is invariant to adding a constant to every logit of a row (either side)', () => {
    fc.assert(
      fc.property(batchArb, fc.double({ min: -50, max: 50, noNaN: true }), fc.boolean(), ({ a, b }, shift, onReference) => {
        const c = Math.fround(shift);
        const shifted = (onReference ? a : b).map((row, i) => (i === 0 ? row.map((v) => Math.fround(v + c)) : row));
        const options = iklKdOptions({ referenceGradient: true });
        const base = valueAndGrads((r, t) => decoupledKL(r!, t!, options), [a, b]);
        const moved = valueAndGrads((r, t) => decoupledKL(r!, t!, options), onReference ? [shifted, b] : [a, shifted]);
        // the shift itself rounds the float32 logits by up to ulp(|x| + 50) ~ 4e-6
        expect(close(moved.value, base.value, 1e-4, 1e-4)).toBe(true);
        expectGradsClose(moved.grads, base.grads, 1e-4);
      }),
      RUNS,
    );
  });

  it('GKL with gamma = 1 and row-normalised weights equals IKL', () => {
    fc.assert(
      fc.property(batchArb, ({ a, b, prior }) => {
        const priorT = tf.tensor2d(prior);
        try {
          const ikl = valueAndGrads((r, t) => decoupledKL(r!, t!, iklAtOptions({ classWeights: priorT })), [a, b]);
          const gkl = valueAndGrads(
            (r, t) => decoupledKL(r!, t!, iklAtOptions({ classWeights: priorT, gamma: 1, normalization: 'weights' })),
            [a, b],
          );
          expect(close(gkl.value, ikl.value, 1e-5, 1e-6)).toBe(true);
          expectGradsClose(gkl.grads, ikl.grads);
        } finally {
          priorT.dispose();
        }
      }),
      RUNS,
    );
  });

  it('every loss is finite (value and gradients) for logits of magnitude 1e4 and T in {0.5, 1, 4, 100}', () => {
    fc.assert(
      fc.property(batchArb, fc.constantFrom(0.5, 1, 4, 100), ({ a, b }, T) => {
        const big = (m: number[][]) => m.map((row) => row.map((v, j) => Math.fround((v >= 0 ? 1e4 : -1e4) * (j % 2 ? 1 : Math.abs(v) + 0.5))));
        const x = big(a);
        const y = big(b);
        const labels = tf.tensor1d(x.map((_, i) => i % x[0]!.length), 'int32');
        try {
          const results = [
            valueAndGrads((s) => crossEntropy(s!, labels, { labelSmoothing: 0.1 }), [x]),
            valueAndGrads((s, t) => kdLoss(s!, t!, { temperature: T }), [x, y]),
            valueAndGrads((n, v) => tradesLoss(n!, v!), [x, y]),
            valueAndGrads((s, t) => dkdLoss(s!, t!, labels, { alpha: 1, beta: 8, temperature: T }), [x, y]),
            valueAndGrads((r, t) => decoupledKL(r!, t!, iklKdOptions({ temperature: T, weightTemperature: T, referenceGradient: true })), [x, y]),
            valueAndGrads((r, t) => decoupledKL(r!, t!, gklKdOptions({ temperature: T, weightTemperature: T, gamma: 0.05 })), [x, y]),
          ];
          for (const r of results) {
            expect(Number.isFinite(r.value)).toBe(true);
            expect(r.grads.flat(2).every(Number.isFinite)).toBe(true);
          }
        } finally {
          labels.dispose();
        }
      }),
      { numRuns: 12, seed: 7 },
    );
  });

  it('gamma = 0 gives all-ones weights (pow(0, 0) = 1), even where the softmax underflows to 0', () => {
    const r = tf.tensor2d([[200, 0, -200], [1, 2, 3]]);
    const t = tf.tensor2d([[1, 5, 2], [0, 0, 1]]);
    const ones = tf.onesLike(r);
    const viaGamma = decoupledKL(r, t, { gamma: 0, softLabelWeight: 0, weightTemperature: 0.5 });
    const viaOnes = decoupledKL(r, t, { classWeights: ones, softLabelWeight: 0 });
    expect(viaGamma.dataSync()[0]).toBeCloseTo(viaOnes.dataSync()[0]!, 3);
    expect(Number.isFinite(viaGamma.dataSync()[0]!)).toBe(true);
    tf.dispose([r, t, ones, viaGamma, viaOnes]);
  });
});
