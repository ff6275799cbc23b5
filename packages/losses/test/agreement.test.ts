import { SeededRng } from '@dkl/core';
import { beforeAll, describe, it } from 'vitest';
import { gridPointCases } from './helpers/agreement-cases.js';
import { valueAndGrads } from './helpers/tensors.js';
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
        const label = (name: string) => `${name} B=${B} C=${C} scale=${scale}`;
        const point = gridPointCases(rng, B, C, scale);
        try {
          for (const c of point.cases) expectMatchesReference(valueAndGrads(c.f, c.inputs), c.ref, label(c.name));
        } finally {
          point.dispose();
        }
      }
    });
  });
});
