import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '@dkl/core';
import { createModel, exportModel, fileSystemIOHandler, saveModel } from '@dkl/models';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApplication, executeRun, exportCommand, resolveConfig, resumeCommand, runConfigJsonSchema, validateAgainstRegistries, type RunConfigInput } from '../src/index.js';
import { fileSystemIOHandler as fsHandler } from '@dkl/models';

/**
 * Models from every source in real runs: a tfjs layers student (built in code, saved as
 * model.json) distilled with IKL from a zoo teacher, an ONNX teacher (the zoo exporter's) and a
 * tfjs graph teacher; resumed after a killed process; exported back as a layers model; config
 * errors of sources and of the teacher-logits cache.
 */
const BIN = resolve(__dirname, '../dist/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'dkl-sources-'));
const SHAPE: [number, number, number] = [8, 8, 3];

function kerasStudent(): tf.LayersModel {
  const input = tf.input({ shape: SHAPE });
  let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, name: 'conv1', kernelInitializer: tf.initializers.heNormal({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'bn1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ name: 'relu1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 4, name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

function config(models: Record<string, unknown>, overrides: Partial<RunConfigInput> = {}): RunConfigInput {
  return {
    name: 'sources',
    seed: 3,
    backend: { prefer: ['cpu'] },
    data: {
      dataset: { name: 'synthetic', options: { shape: SHAPE, numClasses: 4, trainSize: 256, testSize: 64, seed: 1 } },
      train: { split: 'train', batchSize: 32 },
      eval: { test: { split: 'test', batchSize: 64 } },
    },
    models: models as RunConfigInput['models'],
    trainer: { type: 'distillation', epochs: 3, losses: [{ name: 'ikl', options: {} }] },
    optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
    schedule: { name: 'constant', lr: 0.05 },
    ...overrides,
  };
}

const paths = { student: join(dir, 'student'), zooTeacher: join(dir, 'zoo-teacher'), onnxTeacher: join(dir, 'onnx-teacher', 'model.onnx'), graphTeacher: join(dir, 'graph-teacher') };
const students = { tfjs: { source: 'tfjs', path: paths.student } };
const teachers = {
  zoo: { name: 'tiny_cnn', weights: paths.zooTeacher },
  onnx: { source: 'onnx', path: paths.onnxTeacher, inputLayout: 'nhwc' },
  graph: { source: 'tfjs', path: paths.graphTeacher },
};
const quiet = { progress: false, initBackend: false, log: () => undefined } as const;

beforeAll(async () => {
  await tf.setBackend('cpu');
  await kerasStudent().save(fileSystemIOHandler(paths.student));
  const teacher = createModel('tiny_cnn', { numClasses: 4, inputShape: SHAPE, seed: 9 });
  await saveModel(teacher, paths.zooTeacher);
  await exportModel(teacher, 'onnx', { out: join(dir, 'onnx-teacher') });
  await exportModel(teacher, 'tfjs-graph', { out: paths.graphTeacher });
  teacher.dispose();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(models: Record<string, unknown>, runsDir: string, overrides: Partial<RunConfigInput> = {}, log: (line: string) => void = () => undefined) {
  return executeRun(resolveConfig(config(models, overrides) as Record<string, unknown>), { runsDir, cacheDir: join(dir, 'cache'), ...quiet, log });
}

describe('model sources in runs', () => {
  it('a tfjs layers student learns with IKL from a zoo, an ONNX and a tfjs graph teacher; the same teacher gives the same run', async () => {
    const results: Record<string, number[]> = {};
    for (const [name, teacher] of Object.entries(teachers)) {
      const done = await run({ student: students.tfjs, teacher }, join(dir, `runs-${name}`));
      expect(done.result.status).toBe('completed');
      const totals = done.result.history.map((h) => h.train['total']!);
      expect(totals.at(-1)!).toBeLessThan(totals[0]!);
      results[name] = totals; // per-step tensor counts: examples/distill-your-own's test
    }
    // One teacher three ways (dkl's zoo model, its ONNX export, its tfjs graph export): the same distillation.
    for (const name of ['onnx', 'graph']) results[name]!.forEach((v, i) => expect(Math.abs(v - results['zoo']![i]!)).toBeLessThan(1e-3 * Math.abs(results['zoo']![i]!)));
  }, 300_000);

  it('caches the teacher logits: the same run, the teacher runs only in the first epoch, the saving reported', async () => {
    const lines: string[] = [];
    const plain = await run({ student: students.tfjs, teacher: teachers.onnx }, join(dir, 'runs-nocache'));
    const cached = await run({ student: students.tfjs, teacher: { ...teachers.onnx, cache: true } }, join(dir, 'runs-cache'), {}, (l) => lines.push(l));
    expect(cached.result.history.map((h) => h.train['total'])).toEqual(plain.result.history.map((h) => h.train['total']));
    expect(lines.join('\n')).toMatch(/teacher logits cache: 16 of 24 batches reused \(66\.7%\)/);
  }, 300_000);

  it('dkl resume continues a killed run of every source exactly', async () => {
    for (const [label, models] of [
      ['tfjs student, onnx teacher with cache', { student: students.tfjs, teacher: { ...teachers.onnx, cache: true } }],
      ['zoo student, tfjs graph teacher', { student: { name: 'tiny_cnn' }, teacher: teachers.graph }],
    ] as const) {
      const reference = await run(models, join(dir, `ref-${label.length}`));
      const file = join(dir, `resume-${label.length}.yaml`);
      writeFileSync(file, stringify(config(models)));
      const runsDir = join(dir, `killed-${label.length}`);
      // Killed after epoch 1's checkpoint, before its evaluation.
      const child = spawn(process.execPath, [BIN, 'train', file, '--runs-dir', runsDir, '--no-progress', '--cache-dir', join(dir, 'cache')], { cwd: dir, env: { ...process.env, DKL_BACKEND: 'cpu', DKL_FAULTS: 'epoch-end/1:kill' }, stdio: 'ignore' });
      await new Promise((r) => child.on('exit', r));
      const runDir = join(runsDir, readdirSync(runsDir)[0]!);
      expect(existsSync(join(runDir, 'summary.json')), label).toBe(false);
      const resumed = (await resumeCommand(runDir, { runsDir, cacheDir: join(dir, 'cache'), progress: false, out: () => undefined, log: () => undefined }))!;
      expect(resumed.result.status, label).toBe('completed');
      expect(resumed.result.history.map((h) => h.train['total']), label).toEqual(reference.result.history.map((h) => h.train['total']));
      expect(resumed.result.history.at(-1)!.eval, label).toEqual(reference.result.history.at(-1)!.eval);
    }
  }, 600_000);

  it('exports a trained tfjs student as a layers model that stock tfjs loads with the trained weights', async () => {
    const runsDir = join(dir, 'runs-zoo');
    const runDir = join(runsDir, readdirSync(runsDir)[0]!);
    const out = join(dir, 'exported');
    await exportCommand(runDir, { format: 'tfjs-layers', out, print: () => undefined, log: () => undefined });
    const exported = await tf.loadLayersModel(fsHandler(out));
    const original = await tf.loadLayersModel(fsHandler(paths.student));
    const x = tf.randomUniform([4, ...SHAPE], 0, 1, 'float32', 7);
    const a = exported.predict(x) as tf.Tensor;
    const b = original.predict(x) as tf.Tensor;
    expect(a.shape).toEqual([4, 4]);
    expect(tf.tidy(() => a.sub(b).abs().max().dataSync()[0]!)).toBeGreaterThan(1e-3); // trained, not the initial weights
    const refused = await exportCommand(runDir, { format: 'onnx', out: join(dir, 'x'), print: () => undefined, log: () => undefined }).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/--format.*'tfjs' student exports as tfjs-layers, not 'onnx'/);
    tf.dispose([a, b, x]);
    exported.dispose();
    original.dispose();
  }, 120_000);

  it('config errors name the key: a source that cannot fill the role, unknown keys, cache with augmentation or a non-distillation trainer', async () => {
    const app = await createApplication();
    const check = (models: Record<string, unknown>, overrides: Partial<RunConfigInput> = {}) => {
      try {
        validateAgainstRegistries(app, resolveConfig(config(models, overrides) as Record<string, unknown>));
      } catch (error) {
        return error as Error;
      }
      return undefined;
    };
    expect(check({ student: { source: 'onnx', path: 'x.onnx' }, teacher: teachers.zoo })?.message).toMatch(/models\.student\.source.*'onnx' models can be teacher, not student/);
    expect(check({ student: { source: 'tfjs', path: 'a', inputLayout: 'nchw' }, teacher: teachers.zoo })?.message).toMatch(/models\.student.*inputLayout/);
    expect(check({ student: { source: 'pytorch' }, teacher: teachers.zoo })?.message).toMatch(/models\.student\.source.*unknown model source 'pytorch'; registered: onnx, tfjs, zoo/);
    expect(check({ student: { name: 'tiny_cnn', cache: true }, teacher: teachers.zoo })?.message).toMatch(/models\.student\.cache.*teacher only/);
    expect(check({ student: { name: 'tiny_cnn' }, teacher: { ...teachers.onnx, cache: true } }, { data: { ...config({}).data, train: { split: 'train', batchSize: 32, mix: { mixup: { alpha: 1 } } } } as RunConfigInput['data'] })?.message).toMatch(/models\.teacher\.cache.*mix/);
    expect(check({ student: { name: 'tiny_cnn' }, teacher: { ...teachers.onnx } })).toBeUndefined();
    const augmented = await run({ student: students.tfjs, teacher: { ...teachers.onnx, cache: true } }, join(dir, 'runs-aug'), { data: { ...config({}).data, train: { split: 'train', batchSize: 32, transforms: [{ kind: 'random-flip' }] } } as RunConfigInput['data'] }).catch((e: unknown) => e);
    expect(augmented).toBeInstanceOf(ConfigError);
    expect((augmented as Error).message).toMatch(/models\.teacher\.cache.*random parameters every epoch \(random-flip\)/);
    // The JSON Schema offers each source with its own keys, and the zoo per architecture.
    const schema = JSON.stringify(runConfigJsonSchema(app));
    expect(schema).toContain('"inputLayout"');
    expect(schema).toContain('"resnet8x4"');
  }, 120_000);
});
