import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@dkl/core';
import { compilePipeline, type TransformSpec } from '@dkl/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApplication, executeRun, getPreset, listPresets, resolveConfig, validateAgainstRegistries, type Application, type RunConfigInput } from '../src/index.js';

let app: Application;
beforeAll(async () => {
  app = await createApplication();
  await tf.setBackend('cpu');
});

const weak = [{ kind: 'random-flip' }, { kind: 'random-crop', padding: 1 }];
const strong = [...weak, { kind: 'rand-augment', N: 2, M: 10 }, { kind: 'cutout', size: 4 }];

/** FixMatch + IKL on synthetic 8x8x3 images: 4 labels per class, the rest of the train split unlabelled. */
const sslConfig = (overrides: Partial<RunConfigInput> = {}): RunConfigInput => ({
  name: 'ssl',
  seed: 3,
  backend: { prefer: ['cpu'] },
  data: {
    dataset: { name: 'synthetic', options: { shape: [8, 8, 3], numClasses: 4, trainSize: 80, testSize: 16, seed: 1 } },
    train: { split: 'train', batchSize: 4, dropLast: true, subset: { perClass: 4 }, transforms: weak },
    unlabelled: { batchSize: 16, views: { weak: { transforms: weak }, strong: { transforms: strong } } },
    eval: { test: { split: 'test', batchSize: 16 } },
  },
  models: { student: { name: 'tiny_cnn' } },
  trainer: { type: 'fixmatch', epochs: 2, threshold: 0.3, consistency: { name: 'ikl', options: { classPrior: true, ceWeight: 0, warmup: 1 } } },
  optimizer: { name: 'sgd', momentum: 0.9 },
  schedule: { name: 'constant', lr: 0.05 },
  plugins: [{ name: 'class-prior', options: { source: 'unlabelledTeacherLogits' } }],
  ...overrides,
});
const check = (config: RunConfigInput) => () => validateAgainstRegistries(app, resolveConfig(config as Record<string, unknown>));
const withData = (data: Partial<RunConfigInput['data']>) => sslConfig({ data: { ...sslConfig().data, ...data } });

describe('semi-supervised configs are checked before anything is built', () => {
  it('a semi-supervised trainer without data.unlabelled is a ConfigError naming data.unlabelled and the views it reads', () => {
    const { unlabelled: _u, ...data } = sslConfig().data;
    const run = check(sslConfig({ data }));
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/config key 'data\.unlabelled': is required by trainer\.type 'fixmatch'.*views weak, strong/);
    const mt = sslConfig({ data, trainer: { type: 'mean-teacher', epochs: 1 }, plugins: [] });
    expect(check(mt)).toThrow(/config key 'data\.unlabelled': is required by trainer\.type 'mean-teacher'.*views student, teacher/);
  });

  it('a view the trainer reads is missing, or one it does not read is configured', () => {
    expect(check(withData({ unlabelled: { batchSize: 16, views: { weak: { transforms: weak } } } }))).toThrow(/config key 'data\.unlabelled\.views\.strong': is required/);
    expect(check(withData({ unlabelled: { batchSize: 16, views: { weak: {}, strong: {}, extra: {} } } }))).toThrow(/config key 'data\.unlabelled\.views\.extra': is not read by trainer\.type 'fixmatch'/);
  });

  it('data.unlabelled under a trainer that reads no unlabelled batches', () => {
    expect(check(sslConfig({ trainer: { type: 'supervised', epochs: 1 }, plugins: [] }))).toThrow(/config key 'data\.unlabelled': is not used by trainer\.type 'supervised'/);
  });

  it('no unlabelled split and no labelled subset to take the rest of', () => {
    const { subset: _s, ...train } = sslConfig().data.train;
    expect(check(withData({ train }))).toThrow(/config key 'data\.unlabelled\.split': is absent.*data\.train has no subset/);
  });

  it("IKL's class prior in the consistency term needs a writer; the fix names the unlabelled source", () => {
    expect(check(sslConfig({ plugins: [] }))).toThrow(/config key 'trainer\.consistency\.options\.classPrior'.*source: unlabelledTeacherLogits/);
  });

  it('a class prior from unlabelled logits under a trainer that has none', () => {
    const { unlabelled: _u, ...data } = sslConfig().data;
    expect(check(sslConfig({ data, trainer: { type: 'supervised', epochs: 1 } }))).toThrow(/plugin 'class-prior' reads the batch output 'pseudoLabels', which trainer\.type 'supervised' does not produce/);
  });

  it('the consistency term gets reference logits even though trainer.losses do not', () => {
    expect(check(sslConfig())).not.toThrow();
    expect(check(sslConfig({ trainer: { ...sslConfig().trainer, losses: [{ name: 'kd' }] } }))).toThrow(/config key 'trainer\.losses\[0\]': loss 'kd' needs reference logits/);
  });

  it('the ssl presets name the paper values and validate; their views compile', () => {
    const names = listPresets().map((p) => p.name);
    for (const name of ['ssl/fixmatch', 'ssl/fixmatch-ikl', 'ssl/mean-teacher', 'ssl/mean-teacher-ikl']) {
      expect(names).toContain(name);
      const config = resolveConfig(getPreset(name) as Record<string, unknown>);
      expect(() => validateAgainstRegistries(app, config), name).not.toThrow();
      for (const view of Object.values(config.data.unlabelled!.views)) expect(() => compilePipeline([32, 32, 3], view.transforms as unknown as TransformSpec[])).not.toThrow();
      expect(config.data.unlabelled!.batchSize).toBe(7 * config.data.train.batchSize);
    }
    expect(getPreset('ssl/fixmatch').trainer).toMatchObject({ threshold: 0.95, unlabelledWeight: 1 });
    expect(getPreset('ssl/mean-teacher').trainer).toMatchObject({ emaDecay: 0.999, consistency: { name: 'prob-mse' } });
  });
});

describe('semi-supervised runs through the CLI', () => {
  it('FixMatch + IKL trains from the rest of the train split, with the class prior from pseudo-labelled unlabelled logits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-cli-ssl-'));
    const lines: string[] = [];
    const { runDir, result } = await executeRun(resolveConfig(sslConfig() as Record<string, unknown>), { runsDir: dir, cacheDir: join(dir, 'cache'), progress: false, initBackend: false, log: (l) => lines.push(l) });
    expect(result.status).toBe('completed');
    expect(lines).toContain('[dkl] data.unlabelled: 64 examples (the rest of data.train\'s split), views weak, strong');
    const summary = JSON.parse(readFileSync(join(runDir, 'summary.json'), 'utf8'));
    const train = summary.history.at(-1).train;
    for (const key of ['ce', 'consistency', 'maskRate']) expect(typeof train[key], key).toBe('number');
    expect(train.maskRate).toBeGreaterThan(0);
    expect(train.maskRate).toBeLessThanOrEqual(1);
  }, 120_000);
});
