/**
 * The CI half 1 of the export matrix (see export-matrix.ts): the CI architectures are dealt
 * alternately by parameter count into two files, so vitest runs the halves on both cores.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { useCpu } from '../helpers.js';
import { checkArchitecture, CI_ARCHITECTURES, CLASS_COUNTS, closeBench, openBench, parametersOf, TOLERANCE, type ExportBench } from './export-matrix.js';

const mine = [...CI_ARCHITECTURES].sort((a, b) => parametersOf(a) - parametersOf(b)).filter((_, i) => i % 2 === 1);

let bench: ExportBench;
beforeAll(async () => {
  await useCpu();
  bench = await openBench('dkl-export-arch-1-');
});
afterAll(() => closeBench(bench));

describe('every architecture exports to tfjs-layers, tfjs-graph and ONNX (CI half 1)', () => {
  for (const name of mine) {
    it(`${name}: ${CLASS_COUNTS.join(' and ')} classes within ${TOLERANCE}`, async () => {
      for (const numClasses of CLASS_COUNTS) await checkArchitecture(bench, name, numClasses);
    });
  }
  it('runs on the cpu backend', () => {
    if (tf.getBackend() !== 'cpu') throw new Error(`expected the cpu backend, got ${tf.getBackend()}`);
  });
});
