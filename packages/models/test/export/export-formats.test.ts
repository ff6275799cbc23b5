/**
 * Exported models give dkl's eval-mode logits in stock TensorFlow.js (`tf.loadLayersModel`,
 * `tf.loadGraphModel` over HTTP, no @dkl code involved in loading) and in onnxruntime-node.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, exportModel, type DklModel, type ExportFormat } from '../../src/index.js';
import { useCpu } from '../helpers.js';
import { randomizeVectors, relativeDiff, runExported, serveDirectory } from './export-helpers.js';

const TOLERANCE = 1e-4;

let root: string;
let server: { url: string; close: () => Promise<void> };
beforeAll(async () => {
  await useCpu();
  root = mkdtempSync(path.join(tmpdir(), 'dkl-export-'));
  server = await serveDirectory(root);
});
afterAll(async () => {
  await server?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Exports `model` in every format and compares the logits with forward's. */
async function checkAllFormats(model: DklModel, tag: string, batch = 3): Promise<Record<ExportFormat, number>> {
  randomizeVectors(model);
  const [h, w, c] = model.inputShape;
  const x = tf.randomNormal([batch, h, w, c], 0, 1, 'float32', 3) as tf.Tensor4D;
  const { logits } = model.forward(x, { training: false });
  const expected = logits.dataSync() as Float32Array;
  const diffs = {} as Record<ExportFormat, number>;
  for (const format of ['tfjs-layers', 'tfjs-graph', 'onnx'] as const) {
    const sub = `${tag}-${format}`;
    await exportModel(model, format, { out: path.join(root, sub) });
    const got = await runExported(format, path.join(root, sub), `${server.url}/${sub}`, x);
    expect(got.length, `${tag} ${format}`).toBe(expected.length);
    diffs[format] = relativeDiff(got, expected);
  }
  tf.dispose([x, logits]);
  return diffs;
}

describe('exportModel formats', () => {
  it('tiny_cnn: tfjs-layers, tfjs-graph and onnx give forward logits (10 and 100 classes)', async () => {
    for (const numClasses of [10, 100]) {
      const model = createModel('tiny_cnn', { numClasses, inputShape: [12, 12, 3], seed: 1 });
      const diffs = await checkAllFormats(model, `tiny${numClasses}`);
      for (const [format, d] of Object.entries(diffs)) expect(d, `${format} @${numClasses}`).toBeLessThanOrEqual(TOLERANCE);
      model.dispose();
    }
  });

  it('writes tfjs-converter artifacts with metadata and folded batch-norms', async () => {
    const model = createModel('tiny_cnn', { numClasses: 10, inputShape: [12, 12, 3], seed: 1 });
    const result = await exportModel(model, 'tfjs-graph', {
      out: path.join(root, 'meta'),
      input: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], classNames: Array.from({ length: 10 }, (_, i) => `c${i}`) },
    });
    const json = JSON.parse(readFileSync(path.join(root, 'meta', 'model.json'), 'utf8'));
    expect(json.format).toBe('graph-model');
    expect(json.weightsManifest[0].paths).toEqual(['group1-shard1of1.bin']);
    expect(json.userDefinedMetadata.dkl).toMatchObject({ architecture: 'tiny_cnn', inputSize: [12, 12], mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], foldedBatchNorms: 3 });
    expect(json.userDefinedMetadata.dkl.classNames[9]).toBe('c9');
    const ops = (json.modelTopology.node as { op: string }[]).map((n) => n.op);
    expect(ops).not.toContain('FusedBatchNorm');
    expect(ops.filter((o) => o === 'Conv2D')).toHaveLength(3);
    expect(result.files).toEqual(['dkl-export.json', 'group1-shard1of1.bin', 'model.json']);
    model.dispose();
  });
});
