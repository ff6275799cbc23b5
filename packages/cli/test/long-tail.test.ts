import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { longTailedCounts } from '@dkl/data';
import { executeRun, resolveConfig } from '../src/index.js';
import { tinyRunConfig } from './helpers/tiny-run-config.js';

describe('long-tailed training data', () => {
  it("subset { imbalanceFactor, select: 'first' } builds the exponential profile and the run reports the per-class counts", async () => {
    await tf.setBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'dkl-cli-lt-'));
    const lines: string[] = [];
    await executeRun(
      resolveConfig(
        tinyRunConfig({
          name: 'lt',
          seed: 0,
          dataset: { shape: [4, 4, 3], numClasses: 5, trainSize: 250, testSize: 10, seed: 1 },
          train: { batchSize: 50, subset: { imbalanceFactor: 10, select: 'first' } },
          optimizer: { name: 'sgd' },
          schedule: { name: 'multistep', lr: 0.01, milestones: [] },
        }),
      ),
      { runsDir: dir, cacheDir: join(dir, 'cache'), progress: false, initBackend: false, log: (l) => lines.push(l) },
    );
    const counts = longTailedCounts(5, 50, 10); // 50 per class in the balanced synthetic split
    expect(counts).toEqual([50, 28, 15, 8, 5]);
    expect(lines).toContain(`[dkl] data.train: ${counts.reduce((a, b) => a + b)} examples, per-class counts ${counts.join(' ')}`);
  });
});
