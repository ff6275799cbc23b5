import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createApplication, executeRun, resolveConfig, runConfigJsonSchema, validateAgainstRegistries, type RunConfigInput } from '@dkl/cli';
import { ConfigError, type Dataset } from '@dkl/core';
import { compilePipeline, Loader, runPipeline } from '@dkl/data';
import { createModel } from '@dkl/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { flipConsistencyTrainer, gaussianNoise, mirror } from '../src/index.js';

const PACKAGE = '@dkl-examples/plugin-custom-training';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** One 16x16x3 mid-grey image (no clipping) through a pipeline holding only the noise. */
function noisy(spec: Record<string, unknown>, seed: number): Float32Array {
  const pipeline = compilePipeline([16, 16, 3], [{ kind: 'gaussian-noise', ...spec } as never, { kind: 'to-float' }], [gaussianNoise]);
  const out = new Float32Array(16 * 16 * 3);
  return runPipeline(pipeline, new Uint8Array(16 * 16 * 3).fill(128), 1, Int32Array.of(seed), out);
}

describe('gaussian-noise', () => {
  it('adds zero-mean noise of the configured std, the same for the same seed, none when skipped', () => {
    const a = noisy({ std: 10 }, 12345);
    expect(noisy({ std: 10 }, 12345)).toEqual(a);
    expect(noisy({ std: 10 }, 54321)).not.toEqual(a);
    const deviations = Array.from(a, (v) => v * 255 - 128);
    const mean = deviations.reduce((s, v) => s + v, 0) / deviations.length;
    const std = Math.sqrt(deviations.reduce((s, v) => s + (v - mean) ** 2, 0) / deviations.length);
    expect(Math.abs(mean)).toBeLessThan(1.5); // 768 samples: standard error 10 / sqrt(768) = 0.36
    expect(std).toBeGreaterThan(9);
    expect(std).toBeLessThan(11);
    expect(Array.from(noisy({ std: 10 }, 0), (v) => Math.round(v * 255))).toEqual(Array(768).fill(128)); // seed 0: skipped (p)
  });

  it('names the key of a bad option', () => {
    expect(() => compilePipeline([16, 16, 3], [{ kind: 'gaussian-noise', std: -1 } as never], [gaussianNoise])).toThrow(/transforms\[0\]\.std/);
  });
});

describe('flip-consistency', () => {
  it("uses the model's eval-mode logits on the mirrored batch as the reference", async () => {
    const model = createModel('tiny_cnn', { numClasses: 3, inputShape: [8, 8, 3], seed: 1 });
    const x = tf.randomUniform([4, 8, 8, 3], 0, 1, 'float32', 7);
    const step = flipConsistencyTrainer.createStep({ axis: 'horizontal' }, { model, losses: [], createLoss: () => { throw new Error('unused'); } });
    const prepared = await step.prepare!({ x, y: tf.tensor1d([0, 1, 2, 0], 'int32') }, { epoch: 1, epochs: 1, step: 0, batchIndex: 0 } as never);
    const expected = model.forward(tf.reverse(x, 2), { training: false }).logits;
    expect(Array.from(prepared['mirrored']!.dataSync())).toEqual(Array.from(expected.dataSync()));
    expect(Array.from(mirror(tf.tensor4d([1, 2, 3, 4], [1, 1, 4, 1]), 'horizontal').dataSync())).toEqual([4, 3, 2, 1]);
    expect(Array.from(mirror(tf.tensor4d([1, 2, 3, 4], [1, 4, 1, 1]), 'vertical').dataSync())).toEqual([4, 3, 2, 1]);
    tf.dispose([x, expected, prepared['mirrored']!]);
    model.dispose();
  });
});

function config(overrides: Partial<RunConfigInput> = {}): RunConfigInput {
  return {
    name: 'flip-demo',
    seed: 2,
    data: {
      dataset: { name: 'synthetic', options: { shape: [8, 8, 3], numClasses: 3, trainSize: 96, testSize: 48, seed: 3 } },
      train: { split: 'train', batchSize: 16, workers: 1, transforms: [{ kind: 'random-flip' }, { kind: 'gaussian-noise', std: 6 }] },
      eval: { test: { split: 'test', batchSize: 48 } },
    },
    models: { student: { name: 'tiny_cnn' } },
    trainer: { type: 'flip-consistency', epochs: 4, losses: [{ name: 'kd', options: { temperature: 2, ceWeight: 1, weight: 0.5 } }] },
    optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 0 },
    schedule: { name: 'constant', lr: 0.05 },
    packages: [PACKAGE],
    ...overrides,
  };
}

describe('loading the package from a config', () => {
  it('registers the trainer and the transform: validation, JSON Schema and a training run use them', async () => {
    const app = await createApplication([PACKAGE]);
    expect(app.trainers.names()).toContain('flip-consistency');
    expect(app.transforms.kinds()).toContain('gaussian-noise');

    // Validation goes through the contributed schemas and names the key.
    const check = (c: RunConfigInput) => () => validateAgainstRegistries(app, resolveConfig(c as Record<string, unknown>));
    expect(check(config())).not.toThrow();
    const bad = config();
    (bad.trainer as Record<string, unknown>)['axis'] = 'diagonal';
    expect(check(bad)).toThrow(ConfigError);
    expect(check(bad)).toThrow(/config key 'trainer\.axis'/);
    const badNoise = config();
    badNoise.data.train.transforms = [{ kind: 'gaussian-noise', std: 'loud' }];
    expect(check(badNoise)).toThrow(/config key 'data\.train\.transforms\[0\]\.std'/);

    // The composed JSON Schema lists both (editor completion for third-party contributions).
    const schema = JSON.stringify(runConfigJsonSchema(app));
    expect(schema).toContain('"const":"flip-consistency"');
    expect(schema).toContain('"const":"gaussian-noise"');
    expect(schema).toMatch(/"axis":\{[^}]*"enum":\["horizontal","vertical"\]/);

    // A worker thread imports the transform from its module and makes the same pixels as this thread.
    const dataset = (await app.datasets.get('synthetic').load({ shape: [8, 8, 3], numClasses: 3, trainSize: 32, testSize: 8, seed: 3 } as never, 'train')) as Dataset;
    const batches = async (workers: number) => {
      const loader = new Loader(dataset, { batchSize: 16, seed: 4, workers, transforms: [{ kind: 'gaussian-noise', std: 6 } as never], transformDefinitions: app.transforms.definitions() });
      const xs = [Array.from((await loader.batchArrays(0, 0)).x), Array.from((await loader.batchArrays(0, 1)).x)];
      await loader.close();
      return xs;
    };
    expect(await batches(1)).toEqual(await batches(0));

    // It trains: the kd term (CE + consistency) falls and the model learns (chance is 1/3).
    const dir = mkdtempSync(join(tmpdir(), 'dkl-example-training-'));
    const run = await executeRun(resolveConfig(config() as Record<string, unknown>), { runsDir: dir, cacheDir: join(dir, 'cache'), progress: false, initBackend: false, log: () => undefined });
    expect(run.result.error?.message ?? '').toBe('');
    expect(run.result.status).toBe('completed');
    const kd = run.result.history.map((h) => h.train['kd']!);
    expect(kd[3]).toBeLessThan(kd[0]!);
    expect(run.result.history[3]!.eval['test']!['top1']).toBeGreaterThan(0.6);
  });
});
