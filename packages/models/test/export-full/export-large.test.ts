/**
 * `npm run test:export-full`: the export matrix (export-matrix.ts) for the architectures above
 * CI_PARAMETER_LIMIT, at both class counts and in all three formats. Their cost is the weight
 * bytes (init, batch-norm folding, three serialisations and three loads of up to 1 GB each), so
 * they stay out of CI.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { useCpu } from '../helpers.js';
import { checkArchitecture, CLASS_COUNTS, closeBench, LARGE_ARCHITECTURES, openBench, TOLERANCE, type ExportBench } from '../export/export-matrix.js';

let bench: ExportBench;
beforeAll(async () => {
  await useCpu();
  bench = await openBench('dkl-export-large-');
});
afterAll(() => closeBench(bench));

describe('the large architectures export to tfjs-layers, tfjs-graph and ONNX', () => {
  for (const name of LARGE_ARCHITECTURES) {
    it(`${name}: ${CLASS_COUNTS.join(' and ')} classes within ${TOLERANCE}`, async () => {
      for (const numClasses of CLASS_COUNTS) await checkArchitecture(bench, name, numClasses);
    });
  }
});
