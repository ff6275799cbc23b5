/**
 * Several runs in one process (a library user's loop, a sweep's reused trial process): a run
 * leaves no tensor or variable behind (models, optimizer slots of the student and of the teacher
 * training), a second run of a config gives the bits of its first, and a run whose config names no
 * precision runs fp32 even after a bf16 run in the same process.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { executeRun, resolveConfig } from '../src/index.js';
import { tinyRunConfig } from './helpers/tiny-run-config.js';

const schedule = { name: 'constant', lr: 0.05 } as const;
const distillation = (backend: Record<string, unknown>) =>
  resolveConfig({
    ...tinyRunConfig({
      name: 'repeated',
      seed: 4,
      dataset: { shape: [8, 8, 3], numClasses: 4, trainSize: 32, testSize: 16, seed: 2 },
      train: { batchSize: 16 },
      eval: { test: { split: 'test', batchSize: 16 } },
      optimizer: { name: 'sgd', momentum: 0.9 },
      schedule,
    }),
    backend,
    models: { student: { name: 'tiny_cnn' }, teacher: { name: 'tiny_cnn' }, teacherTraining: { epochs: 1, optimizer: { name: 'sgd', momentum: 0.9 }, schedule } },
    trainer: { type: 'distillation', epochs: 2, losses: [{ name: 'kd', options: {} }] },
  });

const variables = (): number => Object.keys(tf.engine().state.registeredVariables).length;
const untimed = (file: string) =>
  JSON.parse(readFileSync(file, 'utf8'), (k, v) => (['startedAt', 'wallTimeMs', 'setupMs', 'durationMs', 'imagesPerSecond', 'time'].includes(k) ? undefined : v));

describe('runs in one process', () => {
  it('leave no tensors or variables behind and repeat bit for bit', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'dkl-repeated-cache-'));
    const runsDir = mkdtempSync(join(tmpdir(), 'dkl-repeated-runs-'));
    const run = () => executeRun(distillation({ prefer: ['cpu'] }), { runsDir, cacheDir, progress: false, log: () => undefined });
    await tf.setBackend('cpu');
    const [tensors, vars] = [tf.memory().numTensors, variables()];
    const first = await run(); // trains the teacher (and caches it), then the student
    expect(tf.memory().numTensors).toBe(tensors);
    expect(variables()).toBe(vars);
    const second = await run(); // the teacher from the cache
    expect(tf.memory().numTensors).toBe(tensors);
    expect(variables()).toBe(vars);
    expect(second.summary.status).toBe('completed');
    expect(untimed(join(second.runDir, 'summary.json'))).toEqual(untimed(join(first.runDir, 'summary.json')));
  }, 120_000);

  it('a run without a configured precision runs fp32 after a bf16 run', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'dkl-repeated-cache-'));
    const runsDir = mkdtempSync(join(tmpdir(), 'dkl-repeated-runs-'));
    const precisionOf = async (backend: Record<string, unknown>): Promise<string> => {
      const { runDir } = await executeRun(distillation(backend), { runsDir, cacheDir, progress: false, log: () => undefined });
      return (JSON.parse(readFileSync(join(runDir, 'backend.json'), 'utf8')) as { precision: string }).precision;
    };
    // bf16 needs AVX512_BF16; without it the native backend says fp32 and the second check still holds.
    expect(['bf16', 'fp32']).toContain(await precisionOf({ prefer: ['dkl-native'], precision: 'bf16' }));
    expect(await precisionOf({ prefer: ['dkl-native'] })).toBe('fp32');
    await tf.setBackend('cpu');
  }, 120_000);
});
