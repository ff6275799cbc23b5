import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '@dkl/core';
import { beforeAll, describe, it } from 'vitest';
import {
  crossEntropy,
  decoupledKL,
  dkdLoss,
  dklOptions,
  gklKdOptions,
  iklAtOptions,
  iklKdOptions,
  kdLoss,
  tradesLoss,
} from '../src/index.js';
import { crossEntropyRef, decoupledRef, dkdRef, kdRef, tradesRef } from './helpers/reference.js';
import { randomLabels, randomLogits, randomPriorRows, toTensor, valueAndGrads } from './helpers/tensors.js';
import { expectMatchesReference } from './helpers/tolerance.js';
import { BACKENDS, useBackend } from './helpers/backends.js';


// The grid: B in {1, 3, 64}, C in {2, 10, 100, 1000}, logit scales 0.1 .. 30.
const CLASSES = [2, 10, 100, 1000];
const BATCHES = [1, 3, 64];
const SCALES = [0.1, 1, 10, 30];

describe.each(BACKENDS)('on the %s backend', (backend) => {
  beforeAll(() => useBackend(backend));

  describe.each(CLASSES)('float32 tfjs vs float64 reference, C = %i', (C) => {
    it.each(BATCHES)('B = %i: values and gradients of every function at every scale', (B) => {
      const rng = new SeededRng(`agreement-${B}-${C}`);
      for (const scale of SCALES) {
        const a = randomLogits(rng, B, C, scale);
        const b = randomLogits(rng, B, C, scale);
        const labels = randomLabels(rng, B, C);
        const prior = randomPriorRows(rng, B, C);
        const label = (name: string) => `${name} B=${B} C=${C} scale=${scale}`;
        const lab = tf.tensor1d(labels, 'int32');
        const priorT = toTensor(prior);
        try {
          expectMatchesReference(valueAndGrads((x) => crossEntropy(x!, lab), [a]), crossEntropyRef(a, labels), label('crossEntropy'));
          expectMatchesReference(
            valueAndGrads((x) => crossEntropy(x!, lab, { labelSmoothing: 0.1 }), [a]),
            crossEntropyRef(a, labels, 0.1),
            label('crossEntropy(s=0.1)'),
          );
          // Soft targets (mixup / CutMix): any distribution per row, with and without smoothing.
          for (const s of [0, 0.1]) {
            expectMatchesReference(valueAndGrads((x) => crossEntropy(x!, priorT, { labelSmoothing: s }), [a]), crossEntropyRef(a, prior, s), label(`crossEntropy(soft, s=${s})`));
          }
          for (const T of [1, 4]) {
            expectMatchesReference(valueAndGrads((s, t) => kdLoss(s!, t!, { temperature: T }), [a, b]), kdRef(a, b, T), label(`kdLoss T=${T}`));
          }
          expectMatchesReference(valueAndGrads((n, x) => tradesLoss(n!, x!), [a, b]), tradesRef(a, b), label('tradesLoss'));
          expectMatchesReference(
            valueAndGrads((s, t) => dkdLoss(s!, t!, lab, { alpha: 1, beta: 8, temperature: 4 }), [a, b]),
            dkdRef(a, b, labels, 1, 8, 4),
            label('dkdLoss'),
          );
          const variants = {
            dkl: dklOptions({ referenceGradient: true }),
            iklKd: iklKdOptions(),
            iklKdBothSides: iklKdOptions({ referenceGradient: true, weightTemperature: 4 }),
            gklKd: gklKdOptions({ referenceGradient: true }),
            iklAt: iklAtOptions(),
          };
          for (const [name, options] of Object.entries(variants)) {
            expectMatchesReference(
              valueAndGrads((r, t) => decoupledKL(r!, t!, options), [a, b]),
              decoupledRef(a, b, { ...options, classWeights: undefined }),
              label(`decoupledKL ${name}`),
            );
          }
          // class-prior weights (GI), with GKL's power and pair-weight normalisation
          for (const options of [iklAtOptions(), gklKdOptions({ gamma: 0.3 }), gklKdOptions({ gamma: 0 })]) {
            expectMatchesReference(
              valueAndGrads((r, t) => decoupledKL(r!, t!, { ...options, classWeights: priorT }), [a, b]),
              decoupledRef(a, b, { ...options, classWeights: prior }),
              label(`decoupledKL prior gamma=${options.gamma} ${options.normalization}`),
            );
          }
        } finally {
          tf.dispose([lab, priorT]);
        }
      }
    });
  });
});
