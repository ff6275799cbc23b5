import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { executeRun, resolveConfig, type RunConfigInput } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const dir = mkdtempSync(join(tmpdir(), 'dkl-mix-'));
const run = (config: RunConfigInput) =>
  executeRun(resolveConfig(config as Record<string, unknown>), { runsDir: dir, cacheDir: join(dir, 'cache'), progress: false, initBackend: false, log: () => undefined });

/** 4 epochs on 8x8 synthetic blobs with MixUp or CutMix on every training batch. */
function mixedConfig(trainer: RunConfigInput['trainer'], mix: Record<string, unknown>, teacher = false): RunConfigInput {
  const optimizer = { name: 'sgd' as const, momentum: 0.9, weightDecay: 0 };
  const schedule = { name: 'constant' as const, lr: 0.05 };
  return {
    name: 'mixed',
    seed: 4,
    data: {
      dataset: { name: 'synthetic', options: { shape: [8, 8, 3], numClasses: 4, trainSize: 128, testSize: 64, seed: 2 } },
      train: { split: 'train', batchSize: 16, mix },
      eval: { test: { split: 'test', batchSize: 64 } },
    },
    models: { student: { name: 'tiny_cnn' }, ...(teacher ? { teacher: { name: 'tiny_cnn' }, teacherTraining: { epochs: 3, optimizer, schedule, seed: 9 } } : {}) },
    trainer,
    optimizer,
    schedule,
  };
}

describe('mixup / CutMix soft targets train through CE and KD', () => {
  it('supervised CE with MixUp: the loss falls and the model learns (chance is 25 %)', async () => {
    const { result } = await run(mixedConfig({ type: 'supervised', epochs: 4 }, { mixup: { alpha: 0.4 } }));
    expect(result.error?.message ?? '').toBe('');
    const ce = result.history.map((h) => h.train['ce']!);
    expect(ce[3]).toBeLessThan(ce[0]!);
    expect(result.history[3]!.eval['test']!['top1']).toBeGreaterThan(0.6);
  }, 300_000);

  it('distillation KD with CutMix or MixUp: the teacher sees the mixed images, the CE part uses the soft targets', async () => {
    const { result } = await run(mixedConfig({ type: 'distillation', epochs: 4, losses: [{ name: 'kd', options: { temperature: 4, ceWeight: 1, weight: 1 } }] }, { mixup: { alpha: 0.4 }, cutmix: { alpha: 1 } }, true));
    expect(result.error?.message ?? '').toBe('');
    const kd = result.history.map((h) => h.train['kd']!);
    expect(kd[3]).toBeLessThan(kd[0]!);
    expect(result.history[3]!.eval['test']!['top1']).toBeGreaterThan(0.6);
  }, 300_000);
});
