import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleRun, createApplication, resolveConfig, validateAgainstRegistries, type AssembleOptions } from '../src/index.js';
import { tinyRunConfig } from './helpers/tiny-run-config.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const schedule = { name: 'constant', lr: 0.05 } as const;
const config = resolveConfig({
  ...tinyRunConfig({
    name: 'teacher-cache',
    seed: 3,
    dataset: { shape: [8, 8, 3], numClasses: 4, trainSize: 32, testSize: 16, seed: 2 },
    train: { batchSize: 16 },
    eval: { test: { split: 'test', batchSize: 16 } },
    optimizer: { name: 'sgd' },
    schedule,
  }),
  models: { student: { name: 'tiny_cnn' }, teacher: { name: 'tiny_cnn' }, teacherTraining: { epochs: 1, optimizer: { name: 'sgd' }, schedule } },
  trainer: { type: 'distillation', epochs: 1, losses: [{ name: 'kd', options: {} }] },
});

describe('the trained-teacher cache', () => {
  it('is keyed by the backend, the precision and the thread count in effect as well as the config: a bf16, other-backend or other-thread-count run never loads an fp32 cpu teacher', async () => {
    const app = await createApplication(config.packages);
    const validated = validateAgainstRegistries(app, config);
    const cacheDir = mkdtempSync(join(tmpdir(), 'dkl-teacher-cache-'));
    const assemble = async (options: Partial<AssembleOptions>): Promise<string[]> => {
      const lines: string[] = [];
      const run = await assembleRun(app, validated, { runDir: mkdtempSync(join(tmpdir(), 'dkl-run-')), cacheDir, progress: false, log: (l) => lines.push(l), ...options });
      await run.dispose();
      return lines.filter((l) => l.includes('teacher'));
    };
    expect((await assemble({ backend: 'cpu', precision: 'fp32' })).join('\n')).toMatch(/training teacher tiny_cnn/);
    expect((await assemble({ backend: 'cpu', precision: 'fp32' })).join('\n')).toMatch(/teacher tiny_cnn loaded from cache/);
    expect((await assemble({})).join('\n')).toMatch(/loaded from cache/); // the defaults: the current backend, fp32
    expect((await assemble({ backend: 'cpu', precision: 'bf16' })).join('\n')).toMatch(/training teacher tiny_cnn/);
    expect((await assemble({ backend: 'dkl-native', precision: 'fp32' })).join('\n')).toMatch(/training teacher tiny_cnn/);
    // oneDNN splits its sums by thread: a teacher trained at 2 threads has other bits than at 1.
    expect((await assemble({ backend: 'dkl-native', precision: 'fp32', threads: 2 })).join('\n')).toMatch(/training teacher tiny_cnn/);
    expect((await assemble({ backend: 'dkl-native', precision: 'fp32', threads: 1 })).join('\n')).toMatch(/training teacher tiny_cnn/);
    expect((await assemble({ backend: 'dkl-native', precision: 'fp32', threads: 2 })).join('\n')).toMatch(/loaded from cache/);
    expect(readdirSync(join(cacheDir, 'teachers'))).toHaveLength(5);
  }, 120_000);
});
