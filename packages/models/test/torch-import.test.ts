import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDklError, suiteBackends, useSuiteBackend } from '@dkl/core';
import { createModel, loadTorchCheckpoint, readTorchCheckpoint, extractStateDict } from '../src/index.js';
import { FIXTURES, fixtureInput, maxAbsDiff, useCpu } from './helpers.js';

interface Expected {
  architecture: string;
  numClasses: number;
  inputShapeNCHW: number[];
  evalLogits: number[][];
  trainLogits: number[][];
  runningStatsAfterTrainForward: Record<string, { running_mean: number[]; running_var: number[] }>;
}

const expected = (name: string): Expected => JSON.parse(readFileSync(path.join(FIXTURES, `${name}.expected.json`), 'utf8')) as Expected;

beforeAll(useCpu);

const BACKENDS = await suiteBackends('@dkl/models PyTorch-fixture suite');

const CASES = BACKENDS.flatMap((backend) => ['resnet8', 'wrn_16_1', 'wrn_10_2_swish'].map((name) => [name, backend] as const));
afterAll(useCpu);

describe.each(CASES)('PyTorch checkpoint %s on %s', (name, backend) => {
  it('reproduces PyTorch eval and train logits and running statistics to 1e-4, leaking no tensors', async () => {
    await useSuiteBackend(backend);
    const exp = expected(name);
    const model = createModel(name, { numClasses: exp.numClasses });
    const report = loadTorchCheckpoint(model, path.join(FIXTURES, `${name}.pth`));
    expect(report.loaded).toBe(model.parameters.length);
    expect(report.ignored.every((k) => k.endsWith('num_batches_tracked'))).toBe(true);
    const x = fixtureInput(name, exp.inputShapeNCHW);
    const before = tf.memory().numTensors;
    const evalOut = model.forward(x, { training: false });
    expect(maxAbsDiff(evalOut.logits, exp.evalLogits)).toBeLessThan(1e-4);
    const trainOut = model.forward(x, { training: true });
    expect(maxAbsDiff(trainOut.logits, exp.trainLogits)).toBeLessThan(1e-4);
    const vars = model.namedVariables();
    for (const [bn, stats] of Object.entries(exp.runningStatsAfterTrainForward)) {
      expect(maxAbsDiff(vars.get(`${bn}.running_mean`)!, stats.running_mean)).toBeLessThan(1e-5);
      expect(maxAbsDiff(vars.get(`${bn}.running_var`)!, stats.running_var)).toBeLessThan(1e-4);
    }
    tf.dispose([evalOut.logits, ...Object.values(evalOut.features), trainOut.logits, ...Object.values(trainOut.features)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});

describe('checkpoint structure', () => {
  it('finds the state dict under "model" and strips DataParallel "module." prefixes', () => {
    const wrapped = readTorchCheckpoint(path.join(FIXTURES, 'resnet8.pth'));
    expect(wrapped.root).toBeInstanceOf(Map);
    expect((wrapped.root as Map<string, unknown>).get('epoch')).toBe(240);
    expect((wrapped.root as Map<string, unknown>).get('best_acc')).toBe(71.5);
    const sd = extractStateDict(wrapped);
    expect(sd.get('conv1.weight')!.shape).toEqual([16, 3, 3, 3]);
    expect(sd.get('bn1.num_batches_tracked')!.dtype).toBe('int64');
    const prefixed = extractStateDict(readTorchCheckpoint(path.join(FIXTURES, 'wrn_16_1.pth')));
    expect([...prefixed.keys()].some((k) => k.startsWith('module.'))).toBe(false);
    expect(prefixed.get('block1.layer.0.conv1.weight')!.shape).toEqual([16, 16, 3, 3]);
  });

  it('refuses an explicit key that holds no state dict', () => {
    expect(() => extractStateDict(readTorchCheckpoint(path.join(FIXTURES, 'resnet8.pth')), 'optimizer')).toThrow(/no state dict under key 'optimizer'/);
  });
});

describe('checkpoint errors', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dkl-models-'));
  const errorOf = (fn: () => unknown): Error => {
    try {
      fn();
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected an error');
  };

  it('corrupt zip', () => {
    const bytes = readFileSync(path.join(FIXTURES, 'resnet8.pth'));
    const file = path.join(tmp, 'corrupt.pth');
    writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const model = createModel('resnet8', { numClasses: 10 });
    const error = errorOf(() => loadTorchCheckpoint(model, file));
    expect(isDklError(error, 'DKL_CHECKPOINT')).toBe(true);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/corrupt or truncated zip/);
    model.dispose();
  });

  it('non-checkpoint file', () => {
    const file = path.join(tmp, 'notes.txt');
    writeFileSync(file, 'definitely not a checkpoint\n');
    const model = createModel('resnet8', { numClasses: 10 });
    const error = errorOf(() => loadTorchCheckpoint(model, file));
    expect(isDklError(error, 'DKL_CHECKPOINT')).toBe(true);
    expect(error.message).toMatch(/notes\.txt: is not a PyTorch checkpoint/);
    expect(() => loadTorchCheckpoint(model, path.join(tmp, 'missing.pth'))).toThrow(/missing\.pth: cannot read file/);
    model.dispose();
  });

  it('legacy format and pickled modules', () => {
    const model = createModel('resnet8', { numClasses: 10 });
    expect(() => loadTorchCheckpoint(model, path.join(FIXTURES, 'legacy.pth'))).toThrow(/legacy \(pre-1\.6, non-zip\)/);
    expect(() => loadTorchCheckpoint(model, path.join(FIXTURES, 'pickled-module.pth'))).toThrow(
      /pickled torch\.nn\.modules\.linear\.Linear object rather than a state dict/,
    );
    model.dispose();
  });

  it('mismatched architecture names missing, unexpected and misshaped tensors and leaves weights untouched', () => {
    const model = createModel('resnet14', { numClasses: 10 });
    const before = model.namedVariables().get('conv1.weight')!.dataSync().slice();
    const error = errorOf(() => loadTorchCheckpoint(model, path.join(FIXTURES, 'resnet8.pth')));
    expect(isDklError(error, 'DKL_CHECKPOINT')).toBe(true);
    expect(error.message).toMatch(/does not match architecture 'resnet14': missing 30 tensor\(s\): layer1\.1\.conv1\.weight/);
    expect(model.namedVariables().get('conv1.weight')!.dataSync()).toEqual(before);
    model.dispose();

    const wrongClasses = createModel('resnet8', { numClasses: 100 });
    expect(() => loadTorchCheckpoint(wrongClasses, path.join(FIXTURES, 'resnet8.pth'))).toThrow(
      /misshaped 2 tensor\(s\): fc\.weight: checkpoint \[10, 64\], model \[100, 64\]/,
    );
    wrongClasses.dispose();

    const wrn = createModel('wrn_16_1', { numClasses: 10 });
    expect(() => loadTorchCheckpoint(wrn, path.join(FIXTURES, 'resnet8.pth'))).toThrow(/unexpected 40 tensor\(s\): layer1\.0\.conv1\.weight.*misshaped 4 tensor\(s\): bn1\.weight: checkpoint \[16\], model \[64\]/);
    wrn.dispose();
  });
});
