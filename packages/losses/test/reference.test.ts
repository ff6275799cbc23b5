import { SeededRng } from '@dkl/core';
import { describe, expect, it } from 'vitest';
import {
  crossEntropyRef,
  decoupledRef,
  decoupledValue,
  dkdRef,
  dkdValue,
  finiteDifference,
  kdRef,
  logSoftmax,
  PAIRWISE_MAX_C,
  refWeights,
  softmax,
  tradesRef,
  type DecoupledRefOptions,
  type Matrix,
} from './helpers/reference.js';
import { randomLabels, randomLogits, randomPriorRows } from './helpers/tensors.js';

/** Float64 central differences (h = 1e-6) agree with the analytic gradients to ~1e-8. */
function expectClose(actual: Matrix, expected: Matrix, tol = 1e-7): void {
  const scale = Math.max(1e-3, ...expected.flat().map(Math.abs));
  actual.forEach((row, b) => row.forEach((v, j) => expect(Math.abs(v - expected[b]![j]!)).toBeLessThan(tol * scale)));
}

const rng = new SeededRng('reference-fd');
const B = 3;
const C = 5;

describe('float64 reference: analytic gradients vs finite differences', () => {
  for (const scale of [0.5, 3]) {
    const a = randomLogits(rng, B, C, scale);
    const b = randomLogits(rng, B, C, scale);
    const labels = randomLabels(rng, B, C);

    it(`crossEntropy and kd (scale ${scale})`, () => {
      expectClose(crossEntropyRef(a, labels, 0.2).grads[0]!, finiteDifference((x) => crossEntropyRef(x, labels, 0.2).value, a));
      expectClose(kdRef(a, b, 3).grads[0]!, finiteDifference((x) => kdRef(x, b, 3).value, a));
    });

    it(`trades, both sides (scale ${scale})`, () => {
      const ref = tradesRef(a, b);
      expectClose(ref.grads[0]!, finiteDifference((x) => tradesRef(x, b).value, a));
      expectClose(ref.grads[1]!, finiteDifference((x) => tradesRef(a, x).value, b));
    });

    it(`dkd (scale ${scale})`, () => {
      expectClose(dkdRef(a, b, labels, 1.5, 8, 2).grads[0]!, finiteDifference((x) => dkdValue(x, b, labels, 1.5, 8, 2), a));
    });

    it(`decoupledKL: trained side exactly, reference side with weights and soft label frozen (scale ${scale})`, () => {
      const prior = randomPriorRows(rng, B, C);
      const base: DecoupledRefOptions = {
        temperature: 2,
        softLabelWeight: 1.5,
        wmseWeight: 3,
        weightTemperature: 0.7,
        gamma: 1,
        normalization: 'batch',
        symmetric: true,
        referenceGradient: true,
      };
      for (const o of [base, { ...base, gamma: 0.4, normalization: 'weights' as const }, { ...base, classWeights: prior, gamma: 0 }]) {
        const ref = decoupledRef(a, b, o);
        // weights and soft label depend on the reference only, so FD in `trained` is the full gradient
        expectClose(ref.grads[1]!, finiteDifference((x) => decoupledValue(a, x, o), b));
        const frozen = { w: refWeights(a, o), p: a.map((row) => softmax(row, o.temperature)) };
        expectClose(ref.grads[0]!, finiteDifference((x) => decoupledValue(x, b, o, frozen), a));
      }
    });
  }

  it('log-softmax is exact for huge logits and softmax sums to 1', () => {
    expect(logSoftmax([1e4, 0])).toEqual([0, -1e4]);
    expect(softmax([3, 1, -2]).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 15);
  });

  it('the expanded wMSE identity used for C > PAIRWISE_MAX_C equals the literal pair sum', () => {
    const Cbig = PAIRWISE_MAX_C + 20;
    const a = randomLogits(rng, 2, Cbig, 5);
    const b = randomLogits(rng, 2, Cbig, 5);
    const o: DecoupledRefOptions = {
      temperature: 1, softLabelWeight: 0, wmseWeight: 1, weightTemperature: 2, gamma: 0.5,
      normalization: 'weights', symmetric: true, referenceGradient: true,
    };
    const w = refWeights(a, o);
    let pairs = 0;
    let norm = 0;
    for (let r = 0; r < 2; r++) {
      let s = 0;
      for (let j = 0; j < Cbig; j++) {
        s += w[r]![j]!;
        for (let k = 0; k < Cbig; k++) {
          const diff = a[r]![j]! - a[r]![k]! - (b[r]![j]! - b[r]![k]!);
          pairs += w[r]![j]! * w[r]![k]! * diff * diff;
        }
      }
      norm += s * s;
    }
    expect(decoupledValue(a, b, o)).toBeCloseTo(pairs / (4 * norm), 10);
    const ref = decoupledRef(a, b, o);
    expectClose(ref.grads[1]!, finiteDifference((x) => decoupledValue(a, x, o), b, 1e-5), 1e-6);
  });
});
