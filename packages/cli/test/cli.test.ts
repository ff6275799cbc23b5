import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { executeRun, loadConfigSpec, resolveConfig, resumeCommand, type RunConfigInput } from '../src/index.js';

const BIN = resolve(__dirname, '../dist/bin.js');
const FIXTURES = resolve(__dirname, 'fixtures');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A small synthetic run: seconds on the cpu backend. */
function syntheticConfig(overrides: Partial<RunConfigInput> = {}): RunConfigInput {
  return {
    name: 'synthetic',
    seed: 3,
    backend: { prefer: ['cpu'] }, // bit-identical comparisons need one backend everywhere
    data: {
      dataset: { name: 'synthetic', options: { shape: [8, 8, 3], numClasses: 4, trainSize: 256, testSize: 64, seed: 1 } },
      train: { split: 'train', batchSize: 32 },
      eval: { test: { split: 'test', batchSize: 64 } },
    },
    models: { student: { name: 'tiny_cnn' } },
    trainer: { type: 'supervised', epochs: 4 },
    optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
    schedule: { name: 'multistep', lr: 0.05, milestones: [3] },
    ...overrides,
  };
}

function writeConfig(dir: string, config: unknown, name = 'run.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(config));
  return file;
}

function dkl(args: string[], cwd: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, DKL_BACKEND: 'cpu' }, timeout: 120_000 });
}

describe('dkl: config errors exit with code 2 and name the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dkl-cli-'));
  const cases: Array<[string, (c: Record<string, any>) => void, RegExp]> = [
    ['unknown key', (c) => (c['trainer']['epocs'] = 3), /trainer.*epocs/],
    ['wrong type', (c) => (c['trainer']['epochs'] = 'three'), /config key 'trainer\.epochs'/],
    ['unknown model', (c) => (c['models']['student']['name'] = 'resnet9'), /config key 'models\.student\.name': unknown model 'resnet9'; registered: .*resnet8/],
    ['unknown loss', (c) => (c['trainer']['losses'] = [{ name: 'kdd' }]), /config key 'trainer\.losses\[0\]\.name': unknown loss 'kdd'; registered: .*kd/],
    ['unknown dataset', (c) => (c['data']['dataset']['name'] = 'cifar1000'), /config key 'data\.dataset\.name': unknown dataset 'cifar1000'/],
    ['unknown trainer', (c) => (c['trainer']['type'] = 'distill'), /config key 'trainer\.type': unknown trainer 'distill'; registered: adversarial, distillation, fixmatch, mean-teacher, supervised/],
    ['a key of another trainer', (c) => (c['trainer']['awp'] = { gamma: 0.005 }), /config key 'trainer'.*awp/],
    ['a bad value of the trainer\'s own key', (c) => (c['trainer']['labelSmoothing'] = 1.5), /config key 'trainer\.labelSmoothing'/],
    ['adversarial without attack', (c) => (c['trainer'] = { type: 'adversarial', epochs: 1, losses: [{ name: 'trades' }] }), /config key 'trainer\.attack'/],
    ['distillation without teacher', (c) => (c['trainer'] = { type: 'distillation', epochs: 1, losses: [{ name: 'kd' }] }), /config key 'models\.teacher': is required when trainer\.type is 'distillation'/],
  ];
  for (const [label, mutate, message] of cases) {
    it(label, () => {
      const config = structuredClone(syntheticConfig()) as Record<string, any>;
      mutate(config);
      const result = dkl(['train', writeConfig(dir, config, `${label.replace(/ /g, '-')}.yaml`), '--dry-run'], dir);
      expect(result.stderr).toMatch(message);
      expect(result.status).toBe(2);
    });
  }

  it('missing dataset files: names the directory, the expected files and where to get them', () => {
    const config = syntheticConfig({ data: { dataset: { name: 'cifar100', options: { dir: join(dir, 'nowhere') } }, train: { split: 'train', batchSize: 8 } } });
    const result = dkl(['train', writeConfig(dir, config, 'cifar.yaml'), '--runs-dir', join(dir, 'runs')], dir);
    expect(result.stderr).toMatch(/nowhere/);
    expect(result.stderr).toMatch(/train\.bin/);
    expect(result.stderr).toMatch(/cs\.toronto\.edu/);
    expect(result.status).toBe(2);
  });

  it('--dry-run prints the resolved config with --set overrides and exits 0', () => {
    const result = dkl(['train', writeConfig(dir, syntheticConfig(), 'ok.yaml'), '--dry-run', '--set', 'trainer.epochs=2', '--set', 'schedule.lr=0.1'], dir);
    expect(result.status).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.trainer.epochs).toBe(2);
    expect(printed.schedule).toMatchObject({ name: 'multistep', lr: 0.1, gamma: 0.1 });
    expect(printed.data.train.dropLast).toBe(false);
  });

  it('loads an mdistiller YAML and a preset', () => {
    const yaml = join(FIXTURES, 'mdistiller', readdirSync(join(FIXTURES, 'mdistiller')).find((f) => f.includes('res32x4_res8x4') && f.includes('ikl'))!);
    const fromYaml = dkl(['train', yaml, '--mdistiller', '--dry-run'], dir);
    expect(fromYaml.stderr).toBe('');
    expect(fromYaml.status).toBe(0);
    const config = JSON.parse(fromYaml.stdout);
    expect(config.models).toMatchObject({ student: { name: 'resnet8x4' }, teacher: { name: 'resnet32x4' } });
    expect(config.trainer.losses[0]).toMatchObject({ name: 'ikl', options: { softLabelWeight: 1, wmseWeight: 8 } });
    const preset = loadConfigSpec('cifar100/ikl-kd/res32x4-res8x4', {});
    expect(preset.trainer.losses).toEqual(config.trainer.losses);
    const list = dkl(['presets'], dir);
    expect(list.stdout.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(60);
  });
});

describe('dkl train / resume', () => {
  it('robust-eval attacks a configured evaluation split with a loader of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-robust-'));
    const base = syntheticConfig({ trainer: { type: 'supervised', epochs: 2 } });
    const plugin = { name: 'robust-eval', options: { attack: { name: 'fgsm', eps: 0.03 }, data: 'test', every: 1, maxExamples: 40, batchSize: 16 } };
    const run = (config: RunConfigInput, sub: string) =>
      executeRun(resolveConfig(config as Record<string, unknown>), { runsDir: join(dir, sub), cacheDir: join(dir, 'cache'), progress: false, initBackend: false, log: () => undefined });
    const plain = await run(base, 'a');
    const attacked = await run({ ...base, plugins: [plugin] }, 'b');
    expect(attacked.result.status).toBe('completed');
    const robust = attacked.result.history.map((h) => h.eval['robust']);
    expect(robust.every((r) => r !== undefined && r['examples'] === 40)).toBe(true);
    expect(robust.at(-1)!['robustTop1']).toBeLessThanOrEqual(robust.at(-1)!['cleanTop1']!);
    // The engine's own evaluation of the split is untouched by the plugin's iterations.
    expect(attacked.result.history.map((h) => h.eval['test'])).toEqual(plain.result.history.map((h) => h.eval['test']));
    const wrong = { ...base, plugins: [{ ...plugin, options: { ...plugin.options, data: 'val' } }] };
    await expect(run(wrong, 'c')).rejects.toThrow(/plugins\.robust-eval\.data.*'val'.*only 'test'/);
  }, 300_000); // three cpu-backend runs: 124 s seen on a loaded 2-core machine

  it('a killed run resumed with `dkl resume` ends exactly as an uninterrupted run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-resume-'));
    const config = syntheticConfig({ data: { dataset: { name: 'synthetic', options: { shape: [8, 8, 3], numClasses: 4, trainSize: 384, testSize: 64, seed: 1 } }, train: { split: 'train', batchSize: 32 }, eval: { test: { split: 'test', batchSize: 64 } } } });
    const reference = await executeRun(resolveConfig(config as Record<string, unknown>), { runsDir: join(dir, 'a'), cacheDir: join(dir, 'cache'), progress: false, initBackend: false, log: () => undefined });
    expect(reference.result.status).toBe('completed');

    const file = writeConfig(dir, config);
    const child = spawn(process.execPath, [BIN, 'train', file, '--runs-dir', join(dir, 'b'), '--no-progress'], { cwd: dir, env: { ...process.env, DKL_BACKEND: 'cpu' }, stdio: 'ignore' });
    const runDir = await new Promise<string>((done, fail) => {
      const timer = setInterval(() => {
        const runs = existsSync(join(dir, 'b')) ? readdirSync(join(dir, 'b')) : [];
        const ckpt = runs.length ? join(dir, 'b', runs[0]!, 'checkpoints', 'last.ckpt') : '';
        if (ckpt && existsSync(ckpt)) {
          clearInterval(timer);
          child.kill('SIGKILL');
          done(join(dir, 'b', runs[0]!));
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(timer);
        fail(new Error('the run finished before it could be killed; make it longer'));
      });
    });
    await new Promise((r) => child.on('exit', r));
    expect(existsSync(join(runDir, 'summary.json'))).toBe(false); // it really died mid-run
    const resumed = (await resumeCommand(runDir, { runsDir: join(dir, 'b'), cacheDir: join(dir, 'cache'), progress: false, out: () => undefined, log: () => undefined }))!;
    expect(resumed.result.status).toBe('completed');
    expect(resumed.result.history.map((h) => h.train['total'])).toEqual(reference.result.history.map((h) => h.train['total']));
    expect(resumed.result.history.at(-1)!.eval).toEqual(reference.result.history.at(-1)!.eval);
    const report = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(report).toContain('<svg');
    const metrics = readFileSync(join(runDir, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(metrics[0]).toMatch(/^epoch,learningRate,train_total/);
  }, 600_000); // two runs and a resume on the cpu backend: 275 s seen on a loaded 2-core machine
});
