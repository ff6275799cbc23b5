/**
 * The loss functions on webgpu (Dawn on SwiftShader here, set up by tools/setup/swiftshader.mjs)
 * against the same float64 references as agreement.test.ts. The GPU accumulates in float32, so the
 * tolerance is float32 summation's: RTOL_GPU relative plus K_GPU units of roundoff of the
 * conditioning scale (the cpu suite allows 1e-5 and 8 units because cpu sums in double). CI runs a
 * corner of the grid; `npm run test:webgpu` (DKL_WEBGPU_FULL=1) all of it.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, SeededRng } from '@dkl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useSwiftShader } from '../../../tools/setup/swiftshader.mjs';
import { gridPointCases } from './helpers/agreement-cases.js';
import { toTensor } from './helpers/tensors.js';
import type { Matrix, RefResult } from './helpers/reference.js';
import { SUBNORMAL_FLOOR, U32 } from './helpers/tolerance.js';

const FULL = process.env['DKL_WEBGPU_FULL'] === '1';
const CLASSES = FULL ? [2, 10, 100, 1000] : [10, 1000];
const BATCHES = FULL ? [1, 3, 64] : [64];
const SCALES = FULL ? [0.1, 1, 10, 30] : [1, 30];
const RTOL_GPU = 1e-5;
const K_GPU = 16;

/** Value and gradients, read asynchronously (webgpu has no synchronous readback in Node). */
async function valueAndGradsAsync(f: (...xs: tf.Tensor[]) => tf.Scalar, inputs: Matrix[]): Promise<{ value: number; grads: Matrix[] }> {
  const xs = inputs.map(toTensor);
  const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => f(...args))(xs);
  const out = { value: (await value.data())[0]!, grads: (await Promise.all(grads.map((g) => g.array()))) as Matrix[] };
  tf.dispose([value, ...grads, ...xs]);
  return out;
}

/** Worst |actual - ref| in units of the float32-summation tolerance (<= 1 passes). */
function toleranceUnits(actual: { value: number; grads: Matrix[] }, ref: RefResult): number {
  let worst = Math.abs(actual.value - ref.value) / (RTOL_GPU * Math.abs(ref.value) + K_GPU * U32 * ref.valueScale + SUBNORMAL_FLOOR);
  ref.grads.forEach((expected, i) =>
    expected.forEach((row, b) =>
      row.forEach((v, j) => {
        const tol = RTOL_GPU * Math.abs(v) + K_GPU * U32 * ref.gradScales[i]![b]![j]! + SUBNORMAL_FLOOR;
        worst = Math.max(worst, Math.abs(actual.grads[i]![b]![j]! - v) / tol);
      }),
    ),
  );
  return Number.isNaN(worst) ? Infinity : worst;
}

beforeAll(async () => {
  if (!process.env['VK_ICD_FILENAMES']) useSwiftShader();
  await initBackend({ prefer: 'webgpu', log: false });
});
afterAll(async () => {
  await initBackend({ prefer: 'cpu', log: false });
});

describe(`losses on webgpu vs float64 reference (${FULL ? 'full grid' : 'CI corner of the grid'})`, () => {
  it.each(CLASSES)('C = %i: values and gradients of every function, every B and scale; no tensor left behind', async (C) => {
    expect(tf.getBackend()).toBe('webgpu');
    const before = tf.memory().numTensors;
    let worst = { units: 0, where: '' };
    for (const B of BATCHES) {
      const rng = new SeededRng(`agreement-${B}-${C}`);
      for (const scale of SCALES) {
        const point = gridPointCases(rng, B, C, scale);
        try {
          for (const c of point.cases) {
            const units = toleranceUnits(await valueAndGradsAsync(c.f, c.inputs), c.ref);
            if (units > worst.units) worst = { units, where: `${c.name} B=${B} scale=${scale}` };
          }
        } finally {
          point.dispose();
        }
      }
    }
    console.info(`[losses webgpu] C=${C}: worst ${worst.units.toFixed(3)} tolerance units at ${worst.where}`);
    expect(worst.units).toBeLessThanOrEqual(1);
    expect(tf.memory().numTensors).toBe(before);
  }, 900_000); // SwiftShader on a shared machine: a generous limit, no timing asserted
});
