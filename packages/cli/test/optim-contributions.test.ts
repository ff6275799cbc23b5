import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@dkl/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { assembleRun, createApplication, resolveConfig, runConfigJsonSchema, validateAgainstRegistries, type RunConfig } from '../src/index.js';

/**
 * An optimizer (sign-SGD) and a schedule (linear decay) contributed by a package's ContainerModule
 * (fixtures/optim-package): validated, offered by `dkl schema` and used by a run assembled as
 * `dkl train` assembles it.
 */
const PACKAGE = fileURLToPath(new URL('./fixtures/optim-package/index.ts', import.meta.url));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function config(overrides: Record<string, unknown> = {}): RunConfig {
  return resolveConfig({
    name: 'optim-contrib',
    seed: 4,
    data: {
      dataset: { name: 'synthetic', options: { shape: [8, 8, 3], numClasses: 4, trainSize: 16, testSize: 8, seed: 2 } },
      train: { split: 'train', batchSize: 16 },
    },
    models: { student: { name: 'tiny_cnn' } },
    trainer: { type: 'supervised', epochs: 2 },
    optimizer: { name: 'sign-sgd' },
    schedule: { name: 'linear-decay', lr: 0.1 },
    packages: [PACKAGE],
    ...overrides,
  });
}

/** A matcher for a thrown ConfigError with this key path (and message). */
const configError = (keyPath: string, message: RegExp = /./) => expect.objectContaining({ name: ConfigError.name, keyPath, message: expect.stringMatching(message) });

describe('optimizers and schedules from a package', () => {
  it('train a run: the schedule gives each epoch its rate and sign-SGD moves every weight by +-lr per step', async () => {
    const app = await createApplication([PACKAGE]);
    const validated = validateAgainstRegistries(app, config());
    expect(validated.optimizer).toEqual({ name: 'sign-sgd', scale: 1 });
    expect(validated.schedule).toEqual({ name: 'linear-decay', lr: 0.1, warmupEpochs: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'dkl-optim-contrib-'));
    const tensorsBefore = tf.memory().numTensors;
    const run = await assembleRun(app, validated, { runDir: join(dir, 'run'), cacheDir: join(dir, 'cache'), progress: false, log: () => undefined });
    const before = run.student.trainableVariables.map((v) => Float32Array.from(v.dataSync()));
    const result = await run.trainer.run();
    expect(result.error?.message ?? '').toBe('');
    expect(result.status).toBe('completed');
    const rates = result.history.map((h) => h.learningRate);
    expect(rates).toEqual([0.1, 0.1 * (1 - 1 / 2)]);
    expect(result.history.map((h) => h.train['learningRate'])).toEqual(rates);

    // One batch per epoch: each weight moved by -(0.1 s1 + 0.05 s2) with s in {-1, 0, 1}.
    const steps = run.student.trainableVariables.flatMap((v, i) => Array.from(v.dataSync(), (w, j) => Math.abs(w - before[i]![j]!)));
    const allowed = [0, 0.05, 0.1, 0.15];
    expect(steps.filter((d) => !allowed.some((a) => Math.abs(d - a) < 1e-6))).toEqual([]);
    expect(steps.filter((d) => Math.abs(d - 0.15) < 1e-6).length).toBeGreaterThan(steps.length / 4);
    await run.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('an unknown name is a ConfigError naming the key and listing what is registered; a bad option names its key', async () => {
    const app = await createApplication([PACKAGE]);
    const check = (overrides: Record<string, unknown>) => () => validateAgainstRegistries(app, config(overrides));
    expect(check({ optimizer: { name: 'lion' } })).toThrow(configError('optimizer.name', /unknown optimizer 'lion'; registered: adamw, sgd, sign-sgd/));
    expect(check({ schedule: { name: 'one-cycle', lr: 0.1 } })).toThrow(configError('schedule.name', /unknown schedule 'one-cycle'; registered: constant, cosine, linear-decay, multistep/));
    expect(check({ optimizer: { name: 'sign-sgd', scale: -1 } })).toThrow(configError('optimizer.scale'));
    expect(check({ optimizer: { name: 'sign-sgd', momentum: 0.9 } })).toThrow(configError('optimizer', /momentum/));
    expect(check({ schedule: { name: 'linear-decay', lr: 0.1, milestones: [1] } })).toThrow(configError('schedule', /milestones/));
    expect(check({ optimizer: { name: 'sgd', momentum: -1 } })).toThrow(configError('optimizer.momentum'));
    expect(check({ schedule: { name: 'cosine', lr: 0.1, variant: 'linear' } })).toThrow(configError('schedule.variant'));

    // models.teacherTraining's optimizer and schedule are looked up the same way, under their own keys.
    const distil = (training: Record<string, unknown>) =>
      check({ models: { student: { name: 'tiny_cnn' }, teacher: { name: 'tiny_cnn' }, teacherTraining: { epochs: 1, optimizer: { name: 'sign-sgd' }, schedule: { name: 'linear-decay', lr: 0.1 }, ...training } }, trainer: { type: 'distillation', epochs: 1, losses: [{ name: 'kd', options: {} }] } });
    expect(distil({ optimizer: { name: 'lion' } })).toThrow(configError('models.teacherTraining.optimizer.name'));
    expect(distil({ schedule: { name: 'linear-decay', lr: 0.1, gamma: 0.5 } })).toThrow(configError('models.teacherTraining.schedule', /gamma/));

    // Without the package the names are unknown, and the built-ins alone are listed.
    const plain = await createApplication();
    expect(() => validateAgainstRegistries(plain, config({ packages: [] }))).toThrow(configError('optimizer.name', /registered: adamw, sgd$/));
  });

  it("the built-ins' defaults are today's: sgd with the recipe's momentum and weight decay, the schedules' own keys only", async () => {
    const app = await createApplication();
    const resolved = validateAgainstRegistries(app, config({ packages: [], optimizer: { name: 'sgd' }, schedule: { name: 'cosine', lr: 0.05 } }));
    expect(resolved.optimizer).toEqual({ name: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4, dampening: 0 });
    expect(resolved.schedule).toEqual({ name: 'cosine', lr: 0.05, minLr: 0, variant: 'pytorch', warmupEpochs: 0 });
    const adamw = validateAgainstRegistries(app, config({ packages: [], optimizer: { name: 'adamw' }, schedule: { name: 'multistep', lr: 0.1, warmupEpochs: 2 } }));
    expect(adamw.optimizer).toEqual({ name: 'adamw', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 });
    expect(adamw.schedule).toEqual({ name: 'multistep', lr: 0.1, milestones: [150, 180, 210], gamma: 0.1, warmupEpochs: 2 });
    expect(validateAgainstRegistries(app, config({ packages: [], optimizer: { name: 'sgd' }, schedule: { name: 'constant', lr: 0.05 } })).schedule).toEqual({ name: 'constant', lr: 0.05, warmupEpochs: 0 });
  });

  it('dkl schema offers one alternative per registered optimizer and schedule, with their own keys', async () => {
    const schema = JSON.stringify(runConfigJsonSchema(await createApplication([PACKAGE])));
    expect(schema).toContain('"const":"sign-sgd"');
    expect(schema).toContain('"const":"linear-decay"');
    expect(schema).toMatch(/"scale":\{[^}]*"default":1/);
    expect(schema).toMatch(/"momentum":\{[^}]*"default":0.9/);
    expect(schema).toMatch(/"variant":\{[^}]*"enum":\["pytorch","dkl-at"\]/);
    const plain = JSON.stringify(runConfigJsonSchema(await createApplication()));
    expect(plain).toContain('"const":"adamw"');
    expect(plain).toContain('"const":"multistep"');
    expect(plain).not.toContain('sign-sgd');
    expect(plain).not.toContain('linear-decay');
  });
});
