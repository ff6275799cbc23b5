import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createApplication, executeRun, resolveConfig } from '@dkl/cli';
import { beforeAll, describe, expect, it } from 'vitest';
import { focalCrossEntropy } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('focal-ce', () => {
  it('matches a hand computation and reduces to cross-entropy at gamma 0', () => {
    const logits = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 3]]);
    const labels = tf.tensor1d([0, 1], 'int32');
    const p = (row: number[], y: number) => Math.exp(row[y]!) / row.reduce((a, v) => a + Math.exp(v), 0);
    const p0 = p([2, 0, -1], 0);
    const p1 = p([0.5, 0.5, 3], 1);
    const expected = (-((1 - p0) ** 2) * Math.log(p0) - (1 - p1) ** 2 * Math.log(p1)) / 2;
    expect(focalCrossEntropy(logits, labels, 2).dataSync()[0]).toBeCloseTo(expected, 5);
    expect(focalCrossEntropy(logits, labels, 0).dataSync()[0]).toBeCloseTo((-Math.log(p0) - Math.log(p1)) / 2, 5);
    expect(() => focalCrossEntropy(tf.zeros([2]), labels, 2)).toThrow(/'logits'/);
  });
});

describe('loading the package from a config', () => {
  it('resolves its loss and plugin by name and trains with them', async () => {
    const app = await createApplication(['@dkl-examples/plugin-custom-loss']);
    expect(app.losses.names()).toContain('focal-ce');
    expect(app.plugins.names()).toContain('loss-spike-detector');
    const dir = mkdtempSync(join(tmpdir(), 'dkl-example-'));
    const config = resolveConfig({
      name: 'focal-demo',
      seed: 1,
      data: {
        dataset: { name: 'synthetic', options: { shape: [8, 8, 3], numClasses: 3, trainSize: 48, testSize: 24, seed: 3 } },
        train: { split: 'train', batchSize: 16 },
        eval: { test: { split: 'test', batchSize: 24 } },
      },
      models: { student: { name: 'tiny_cnn' } },
      trainer: { type: 'supervised', epochs: 2, losses: [{ name: 'focal-ce', options: { gamma: 1 } }] },
      optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 0 },
      schedule: { name: 'constant', lr: 0.05 },
      plugins: [{ name: 'loss-spike-detector', options: { factor: 50 } }],
      packages: ['@dkl-examples/plugin-custom-loss'],
    });
    const run = await executeRun(config, { runsDir: dir, cacheDir: join(dir, 'cache'), progress: false, initBackend: false, log: () => undefined });
    expect(run.result.status).toBe('completed');
    expect(Object.keys(run.result.history[0]!.train)).toContain('focal-ce');
    // It trains with the third-party loss: the focal loss falls from epoch 1 to epoch 2 (top1 >= 0 could not fail).
    expect(run.result.history[1]!.train['focal-ce']).toBeLessThan(run.result.history[0]!.train['focal-ce']!);
    expect(run.result.history[1]!.eval['test']!['top1']).toBeGreaterThan(0);
  });

  it('names the package when it is not installed', async () => {
    await expect(createApplication(['@dkl-examples/not-there'])).rejects.toThrow(/packages\[0\].*cannot find package '@dkl-examples\/not-there'/);
  });
});
