/** Export refusals, atomic directories and quantised weights. */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, exportModel, ExportError, fileSystemIOHandler, type DklModel } from '../../src/index.js';
import { toFloat16 } from '../../src/export/encode-weights.js';
import { writeDirectoryAtomic } from '../../src/export/write-directory.js';
import { useCpu } from '../helpers.js';
import { randomizeVectors, relativeDiff } from './export-helpers.js';

let root: string;
beforeAll(async () => {
  await useCpu();
  root = mkdtempSync(path.join(tmpdir(), 'dkl-export-safety-'));
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function tiny(): DklModel {
  return createModel('tiny_cnn', { numClasses: 10, inputShape: [12, 12, 3], seed: 4 });
}

describe('export refusals', () => {
  it('an unknown format, a bad quantisation and quantised onnx are refused by name', async () => {
    const model = tiny();
    await expect(exportModel(model, 'savedmodel' as never, { out: path.join(root, 'x') })).rejects.toThrow(/argument 'format': unknown export format 'savedmodel'; expected one of tfjs-layers, tfjs-graph, onnx/);
    await expect(exportModel(model, 'tfjs-graph', { out: path.join(root, 'x'), quantize: 'int4' as never })).rejects.toThrow(/argument 'quantize'/);
    await expect(exportModel(model, 'onnx', { out: path.join(root, 'x'), quantize: 'uint8' })).rejects.toThrow(/'uint8' applies to the tfjs formats/);
    await expect(exportModel(model, 'onnx', { out: path.join(root, 'x'), input: { classNames: ['a'] } })).rejects.toThrow(/input\.classNames.*1 names for 10 classes/);
    expect(existsSync(path.join(root, 'x'))).toBe(false);
    model.dispose();
  });

  it('an op with no export mapping is refused naming the layer, and nothing is written', async () => {
    const model = tiny();
    // A network whose logits go through tanh, an op the exporters do not map.
    const inner = model as unknown as { network: { forward: (x: tf.Tensor4D, ctx: { training: boolean }) => { logits: tf.Tensor2D; features: Record<string, tf.Tensor> } } };
    const original = inner.network;
    inner.network = { forward: (x, ctx) => { const o = original.forward(x, ctx); return { logits: tf.tanh(o.logits), features: o.features }; } };
    const out = path.join(root, 'unsupported');
    const error = await exportModel(model, 'tfjs-layers', { out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExportError);
    expect((error as ExportError).layer).toBe('fc');
    expect((error as Error).message).toMatch(/cannot export layer 'fc': kernel 'Tanh' has no export mapping/);
    expect(existsSync(out)).toBe(false);
    model.dispose();
  });

  it('a failed write leaves neither the directory nor temporary files; an existing export survives until replaced', async () => {
    const out = path.join(root, 'atomic');
    await expect(writeDirectoryAtomic(out, async (dir) => { writeFileSync(path.join(dir, 'model.json'), '{}'); throw new Error('disk full'); })).rejects.toThrow('disk full');
    expect(readdirSync(root).filter((f) => f.startsWith('atomic'))).toEqual([]);
    mkdirSync(out);
    writeFileSync(path.join(out, 'old.txt'), 'old');
    await expect(writeDirectoryAtomic(out, async () => { throw new Error('again'); })).rejects.toThrow('again');
    expect(readFileSync(path.join(out, 'old.txt'), 'utf8')).toBe('old');
    await writeDirectoryAtomic(out, async (dir) => writeFileSync(path.join(dir, 'new.txt'), 'new'));
    expect(readdirSync(out)).toEqual(['new.txt']);
    expect(readdirSync(root).filter((f) => f.startsWith('atomic'))).toEqual(['atomic']);
  });
});

describe('quantised weights', () => {
  it('float16 rounds to nearest even, handles subnormals and overflow', () => {
    const half = toFloat16(Float32Array.from([1, -2, 65504, 70000, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -24, 2 ** -26, 0.1]));
    expect([...half].map((h) => h.toString(16))).toEqual(['3c00', 'c000', '7bff', '7c00', '3c00', '3c02', '1', '0', '2e66']);
  });

  it('float16 / uint8 graph models decode with stock tfjs, are 2x / 4x smaller and keep top-1', async () => {
    const model = tiny();
    randomizeVectors(model);
    const x = tf.randomUniform([256, 12, 12, 3], 0, 1, 'float32', 9) as tf.Tensor4D;
    const { logits, features } = model.forward(x, { training: false });
    const reference = logits.dataSync() as Float32Array;
    const refTop = (logits.argMax(1).dataSync() as Int32Array).slice();
    tf.dispose([logits, ...Object.values(features)]);
    const sizes: Record<string, number> = {};
    const agreement: Record<string, number> = {};
    const diffs: Record<string, number> = {};
    for (const quantize of ['none', 'float16', 'uint8'] as const) {
      const out = path.join(root, `q-${quantize}`);
      const result = await exportModel(model, 'tfjs-graph', { out, quantize });
      sizes[quantize] = result.bytes - readFileSync(path.join(out, 'model.json')).byteLength - readFileSync(path.join(out, 'dkl-export.json')).byteLength;
      const json = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8'));
      const conv = json.weightsManifest[0].weights.find((w: { name: string }) => w.name === 'conv1/weights');
      expect(conv.quantization?.dtype).toBe(quantize === 'none' ? undefined : quantize);
      const graph = await tf.loadGraphModel(fileSystemIOHandler(out));
      const y = graph.predict(x) as tf.Tensor;
      diffs[quantize] = relativeDiff(y.dataSync() as Float32Array, reference);
      const top = y.argMax(1).dataSync();
      agreement[quantize] = refTop.filter((t, i) => t === top[i]).length / refTop.length;
      tf.dispose(y);
      graph.dispose();
    }
    console.log('quantisation on tiny_cnn (random weights, 256 random images):', { sizes, diffs, agreement });
    expect(diffs['none']).toBeLessThanOrEqual(1e-4);
    expect(diffs['float16']).toBeGreaterThan(0);
    expect(diffs['float16']).toBeLessThan(5e-3);
    expect(diffs['uint8']).toBeGreaterThan(diffs['float16']!);
    expect(diffs['uint8']).toBeLessThan(0.1);
    expect(agreement['float16']).toBeGreaterThanOrEqual(0.99);
    expect(agreement['uint8']).toBeGreaterThanOrEqual(0.9);
    expect(sizes['float16']! / sizes['none']!).toBeCloseTo(0.5, 1);
    expect(sizes['uint8']! / sizes['none']!).toBeCloseTo(0.25, 1);
    x.dispose();
    model.dispose();
  });
});
