import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '@dkl/core';
import { beforeAll, describe, it } from 'vitest';
import { agreementCases } from './helpers/agreement-cases.js';
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
          for (const c of agreementCases(a, b, labels, prior, lab, priorT)) expectMatchesReference(valueAndGrads(c.f, c.inputs), c.ref, label(c.name));
        } finally {
          tf.dispose([lab, priorT]);
        }
      }
    });
  });
});
