import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type ModelSourceContext } from '@dkl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxSource, onnxSourceSchema, type OnnxSourceOptions } from '../../src/index.js';
import { useCpu } from '../helpers.js';

/**
 * An ONNX teacher exported from PyTorch (tools/fixtures-models/export_torch_classifier.py, run
 * here with Debian's python3-torch): dkl's onnx source must give PyTorch's logits and features.
 */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(__dirname, '../../../../tools/fixtures-models/export_torch_classifier.py');
const BATCH = 6;
const dir = mkdtempSync(path.join(tmpdir(), 'dkl-onnx-source-'));

function floats(file: string): Float32Array {
  const buf = readFileSync(path.join(dir, file));
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

const context = (overrides: Partial<ModelSourceContext> = {}): ModelSourceContext => ({ role: 'teacher', numClasses: 10, inputShape: [32, 32, 3], seed: '0', keyPath: 'models.teacher', definitions: [], ...overrides });
const open = (options: Record<string, unknown>, overrides: Partial<ModelSourceContext> = {}) => onnxSource.create(onnxSourceSchema.parse({ path: path.join(dir, 'teacher.onnx'), ...options }) as OnnxSourceOptions, context(overrides));

beforeAll(async () => {
  await useCpu();
  const made = spawnSync(PYTHON, [SCRIPT, dir, '10', String(BATCH)], { encoding: 'utf8', timeout: 120_000 });
  // Not a skip: tools/setup/system-deps.mjs installs Debian's python3-torch(vision).
  if (made.status !== 0) throw new Error(`${SCRIPT} failed (python3-torch installed? npm run setup): ${made.stderr}`);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('onnx model source', () => {
  it("gives PyTorch's logits and named outputs as features (1e-4 relative)", async () => {
    const model = await open({ inputLayout: 'nchw', features: { embedding: 'pooled' } });
    const x = tf.tensor4d(floats('input.bin'), [BATCH, 32, 32, 3]);
    const before = tf.memory().numTensors;
    const out = model.forward(x, { training: false });
    expect(out.logits.shape).toEqual([BATCH, 10]);
    expect(out.features['embedding']!.shape).toEqual([BATCH, 32]);
    for (const [tensor, file] of [[out.logits, 'logits.bin'], [out.features['embedding']!, 'pooled.bin']] as const) {
      const expected = floats(file);
      const got = tensor.dataSync();
      const scale = Math.max(...Array.from(expected, Math.abs));
      const worst = Math.max(...Array.from(got, (v, i) => Math.abs(v - expected[i]!)));
      expect(worst / scale).toBeLessThan(1e-4);
    }
    tf.dispose([out.logits, ...Object.values(out.features)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it('splits a batch into chunks of batchSize with the same logits, tensor count flat across calls', async () => {
    const whole = await open({});
    const chunked = await open({ batchSize: 4 });
    const x = tf.tensor4d(floats('input.bin'), [BATCH, 32, 32, 3]);
    const a = whole.forward(x, { training: false }).logits;
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const b = chunked.forward(x, { training: false }).logits;
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      b.dispose();
      expect(tf.memory().numTensors).toBe(baseline);
    }
    tf.dispose([a, x]);
    whole.dispose();
    chunked.dispose();
  });

  it('normalises the input as configured before the model', async () => {
    const plain = await open({});
    const normalised = await open({ normalize: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] } });
    const x = tf.tensor4d(floats('input.bin'), [BATCH, 32, 32, 3]);
    const manual = tf.tidy(() => x.sub(tf.tensor1d([0.5, 0.4, 0.3])).div(tf.tensor1d([0.2, 0.25, 0.3])));
    const a = plain.forward(manual, { training: false }).logits;
    const b = normalised.forward(x, { training: false }).logits;
    const diff = tf.tidy(() => a.sub(b).abs().max().dataSync()[0]!);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([a, b, x, manual]);
    plain.dispose();
    normalised.dispose();
  });

  it('refuses a wrong input layout, naming the model, the expected and the found shapes', async () => {
    const error = await open({ inputLayout: 'nhwc' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/models\.teacher.*teacher\.onnx.*input 'images'.*expected \[\?, 32, 32, 3\], found \[batch, 3, 32, 32\]/s);
  });

  it('refuses a class count that does not match the data, and a wrong image size', async () => {
    const classes = await open({}, { numClasses: 100 }).catch((e: unknown) => e);
    expect(classes).toBeInstanceOf(ConfigError);
    expect((classes as Error).message).toMatch(/teacher\.onnx.*output 'logits' \(logits\) expected \[\?, 100\], found \[batch, 10\]/s);
    const size = await open({}, { inputShape: [64, 64, 3] }).catch((e: unknown) => e);
    expect((size as Error).message).toMatch(/expected \[\?, 3, 64, 64\], found \[batch, 3, 32, 32\]/);
  });

  it('names the missing file, an unknown output (listing the outputs), a bad normalize and training mode', async () => {
    const missing = await onnxSource.create(onnxSourceSchema.parse({ path: path.join(dir, 'nope.onnx') }), context()).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ConfigError);
    expect((missing as Error).message).toMatch(/models\.teacher\.path.*nope\.onnx' does not exist/);
    const output = await open({ features: { stage1: 'conv9' } }).catch((e: unknown) => e);
    expect((output as Error).message).toMatch(/models\.teacher\.features\.stage1.*outputs: logits float32 \[batch, 10\], pooled float32 \[batch, 32\].*no output 'conv9'/s);
    const normalize = await open({ normalize: { mean: [0.5], std: [0.2] } }).catch((e: unknown) => e);
    expect((normalize as Error).message).toMatch(/models\.teacher\.normalize\.mean.*1 values; the input has 3 channels/);
    const model = await open({});
    const x = tf.zeros([2, 32, 32, 3]);
    expect(() => model.forward(x, { training: true })).toThrow(/inference mode only/);
    expect(() => model.forward(tf.zeros([2, 28, 28, 3]), { training: false })).toThrow(/NHWC \[batch, 32, 32, 3\]/);
    x.dispose();
    model.dispose();
  });

  it('refuses a corrupt file with onnxruntime\'s reason', async () => {
    const bad = path.join(dir, 'corrupt.onnx');
    copyFileSync(path.join(dir, 'logits.bin'), bad);
    const error = await onnxSource.create(onnxSourceSchema.parse({ path: bad }), context()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/models\.teacher\.path.*onnxruntime cannot load .*corrupt\.onnx/);
  });
});
