import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { suiteBackends, useSuiteBackend } from '@dkl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, loadTorchCheckpoint } from '../src/index.js';
import { maxAbsDiff, useCpu } from './helpers.js';

/**
 * The imagenet_* architectures against torchvision itself: Debian's python3-torchvision builds the
 * models with seeded random weights and non-trivial BatchNorm statistics, and records their logits
 * (tools/fixtures-models/torchvision_logits.py, run here: the weights are tens of MB). dkl imports
 * the state dicts and must give the same eval-mode and train-mode logits.
 */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(__dirname, '../../../tools/fixtures-models/torchvision_logits.py');
const NAMES = ['imagenet_resnet18', 'imagenet_resnet34', 'imagenet_resnet50'];
const dir = mkdtempSync(path.join(tmpdir(), 'dkl-torchvision-'));

interface Expected {
  numClasses: number;
  inputShapeNCHW: [number, number, number, number];
  evalLogits: number[][];
  trainLogits: number[][];
}

beforeAll(() => {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    // Not a skip: tools/setup/system-deps.mjs installs python3-torchvision wherever it can.
    throw new Error(`${PYTHON} cannot import torch and torchvision (install Debian's python3-torchvision: npm run setup): ${probe.stderr.trim().split('\n').at(-1)}`);
  }
  const made = spawnSync(PYTHON, [SCRIPT, dir, ...NAMES], { encoding: 'utf8', timeout: 300_000 });
  if (made.status !== 0) throw new Error(`torchvision_logits.py failed: ${made.stderr}`);
}, 300_000);
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await useCpu();
});

const BACKENDS = await suiteBackends('@dkl/models torchvision-logits suite', { candidates: ['cpu', 'dkl-native'], excluded: { wasm: 'covered by the PyTorch-fixture suite; these models are large for its single thread' } });

describe.each(NAMES.flatMap((name) => BACKENDS.map((backend) => [name, backend] as const)))('%s on %s', (name, backend) => {
  it('gives torchvision\'s eval-mode and train-mode logits (1e-4 of the logit scale)', async () => {
    await useSuiteBackend(backend);
    expect(existsSync(path.join(dir, `${name}.pth`))).toBe(true);
    const expected = JSON.parse(readFileSync(path.join(dir, `${name}.expected.json`), 'utf8')) as Expected;
    const [n, c, h, w] = expected.inputShapeNCHW;
    const model = createModel(name, { numClasses: expected.numClasses, inputShape: [h, w, c] });
    const report = loadTorchCheckpoint(model, path.join(dir, `${name}.pth`));
    expect(report.loaded).toBe(model.parameters.length);
    const buf = readFileSync(path.join(dir, `${name}.input.f32`));
    const nchw = tf.tensor4d(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)), [n, c, h, w]);
    const x = tf.transpose(nchw, [0, 2, 3, 1]);
    const scale = Math.max(...expected.evalLogits.flat().map(Math.abs), 1);
    const before = tf.memory().numTensors;
    const evalOut = model.forward(x, { training: false });
    expect(maxAbsDiff(evalOut.logits, expected.evalLogits) / scale).toBeLessThan(1e-4);
    const trainOut = model.forward(x, { training: true });
    expect(maxAbsDiff(trainOut.logits, expected.trainLogits) / Math.max(...expected.trainLogits.flat().map(Math.abs), 1)).toBeLessThan(1e-4);
    tf.dispose([evalOut.logits, ...Object.values(evalOut.features), trainOut.logits, ...Object.values(trainOut.features)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([nchw, x]);
    model.dispose();
  }, 300_000);
});
