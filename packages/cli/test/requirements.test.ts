import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '@dkl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApplication, listPresets, loadConfigSpec, resolveConfig, validateAgainstRegistries, type Application, type RunConfigInput } from '../src/index.js';

let app: Application;
beforeAll(async () => {
  app = await createApplication();
});

const base = (overrides: Partial<RunConfigInput>): RunConfigInput => ({
  name: 'wiring',
  data: {
    dataset: { name: 'synthetic', options: { shape: [8, 8, 3], numClasses: 4, trainSize: 64, testSize: 32, seed: 1 } },
    train: { split: 'train', batchSize: 32 },
    eval: { test: { split: 'test', batchSize: 32 } },
  },
  models: { student: { name: 'tiny_cnn' }, teacher: { name: 'tiny_cnn' } },
  trainer: { type: 'distillation', epochs: 1 },
  optimizer: { name: 'sgd', momentum: 0.9 },
  schedule: { name: 'constant', lr: 0.05 },
  ...overrides,
});
const check = (overrides: Partial<RunConfigInput>) => () => validateAgainstRegistries(app, resolveConfig(base(overrides) as Record<string, unknown>));

describe('run requirements: a miswired config is refused before anything is built', () => {
  it('a loss that needs reference logits under the supervised trainer', () => {
    const run = check({ models: { student: { name: 'tiny_cnn' } }, trainer: { type: 'supervised', epochs: 1, losses: [{ name: 'ce' }, { name: 'ikl' }] } });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/config key 'trainer\.losses\[1\]': loss 'ikl' needs reference logits.*trainer\.type 'supervised' does not produce: use trainer\.type 'distillation'/);
  });

  it('a loss that uses the class prior while no plugin writes it (GKL-KD and IKL-AT have it on by default)', () => {
    expect(check({ trainer: { type: 'distillation', epochs: 1, losses: [{ name: 'gkl' }] } })).toThrow(
      /config key 'trainer\.losses\[0\]\.options\.classPrior': loss 'gkl' uses the class prior.*add \{ name: class-prior, options: \{ source: teacherLogits/,
    );
    const student = { student: { name: 'tiny_cnn' } };
    expect(check({ models: student, trainer: { type: 'adversarial', epochs: 1, losses: [{ name: 'ikl', options: { preset: 'at' } }], attack: { epsilon: 0.03 } } })).toThrow(
      /trainer\.losses\[0\]\.options\.classPrior.*source: naturalLogits/,
    );
    expect(check({ models: student, trainer: { type: 'adversarial', epochs: 1, losses: [{ name: 'trades' }], attack: { epsilon: 0.03 }, attackLoss: { name: 'ikl', options: { preset: 'at' } } } })).toThrow(/trainer\.attackLoss\.options\.classPrior/);
    // The fixes the messages name are accepted.
    expect(check({ trainer: { type: 'distillation', epochs: 1, losses: [{ name: 'gkl', options: { classPrior: false } }] } })).not.toThrow();
    expect(check({ trainer: { type: 'distillation', epochs: 1, losses: [{ name: 'gkl' }] }, plugins: [{ name: 'class-prior', options: { source: 'teacherLogits', temperature: 4 } }] })).not.toThrow();
  });

  it('a plugin that reads a batch output the trainer does not produce', () => {
    expect(check({ trainer: { type: 'distillation', epochs: 1, losses: [{ name: 'gkl' }] }, plugins: [{ name: 'class-prior', options: { source: 'naturalLogits' } }] })).toThrow(
      /config key 'plugins\[0\]\.options': plugin 'class-prior' reads the batch output 'naturalLogits', which trainer\.type 'distillation' does not produce \(it produces labels, logits, teacherLogits\)/,
    );
    expect(check({ models: { student: { name: 'tiny_cnn' } }, trainer: { type: 'supervised', epochs: 1 }, plugins: [{ name: 'class-prior' }] })).toThrow(/plugins\[0\]\.options.*'teacherLogits' or 'naturalLogits'/);
  });

  it('a teacher the trainer does not use, and a trainer without its required keys', () => {
    expect(check({ trainer: { type: 'adversarial', epochs: 1, losses: [{ name: 'trades' }], attack: { epsilon: 0.03 } } })).toThrow(
      /config key 'models\.teacher': is not used by trainer\.type 'adversarial'/,
    );
    expect(check({ models: { student: { name: 'tiny_cnn' } }, trainer: { type: 'adversarial', epochs: 1, losses: [{ name: 'trades' }] } })).toThrow(/config key 'trainer\.attack'/);
    expect(check({ models: { student: { name: 'tiny_cnn' } }, trainer: { type: 'adversarial', epochs: 1, losses: [], attack: { epsilon: 0.03 } } })).toThrow(/config key 'trainer\.losses': needs at least one loss term for trainer.type 'adversarial'/);
  });

  it('losses that need one true class per example, and mixing on an evaluation split, are refused when the data mixes', () => {
    const mixed = (train: Record<string, unknown>) => ({ ...base({}).data, train: { split: 'train', batchSize: 32, ...train } }) as RunConfigInput['data'];
    const withMix = mixed({ mix: { cutmix: { alpha: 1 } } });
    expect(check({ data: withMix, trainer: { type: 'distillation', epochs: 1, losses: [{ name: 'dkd' }] } })).toThrow(
      /config key 'trainer\.losses\[0\]': loss 'dkd' needs one true class per example, but data\.train\.mix mixes examples/,
    );
    expect(check({ data: withMix, trainer: { type: 'distillation', epochs: 1, losses: [{ name: 'gkl' }] }, plugins: [{ name: 'class-prior', options: { temperature: 4 } }] })).toThrow(
      /loss 'gkl' needs one true class per example \(its class-prior weights\).*gkl with classPrior: false/,
    );
    // Hard-label parts that take soft targets are fine: CE, KD, IKL without the prior.
    expect(check({ data: withMix, trainer: { type: 'distillation', epochs: 1, losses: [{ name: 'kd' }, { name: 'ikl' }] } })).not.toThrow();
    const evalMix = { ...base({}).data, eval: { test: { split: 'test', batchSize: 32, mix: { mixup: { alpha: 0.2 } } } } } as RunConfigInput['data'];
    expect(check({ data: evalMix, trainer: { type: 'distillation', epochs: 1, losses: [{ name: 'kd' }] } })).toThrow(/config key 'data\.eval\.test\.mix'/);
  });

  it('every preset and every mdistiller fixture config meets its requirements', () => {
    for (const { name } of listPresets()) expect(() => validateAgainstRegistries(app, loadConfigSpec(name, {})), name).not.toThrow();
    const dir = resolve(__dirname, 'fixtures/mdistiller');
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) expect(() => validateAgainstRegistries(app, loadConfigSpec(join(dir, file), { mdistiller: true })), file).not.toThrow();
  });
});
