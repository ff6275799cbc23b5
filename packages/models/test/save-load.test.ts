import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, fileSystemIOHandler, loadModel, loadWeights, saveModel } from '../src/index.js';
import { randomImages, useCpu } from './helpers.js';

beforeAll(useCpu);

const tmp = () => mkdtempSync(path.join(tmpdir(), 'dkl-models-save-'));

async function trainedModel() {
  const model = createModel('resnet8', { numClasses: 5, inputShape: [8, 8, 3], seed: 3 });
  // Move the running statistics away from their init so the test covers buffers too.
  const x = randomImages(2, 8, 8, 4);
  const out = model.forward(x, { training: true });
  tf.dispose([x, out.logits, ...Object.values(out.features)]);
  return model;
}

describe('TensorFlow.js format on the file system', () => {
  it('save -> load gives identical logits, names and buffers', async () => {
    const model = await trainedModel();
    const dir = path.join(tmp(), 'm');
    await saveModel(model, dir);
    expect(readdirSync(dir).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('dkl-model');
    expect(json.modelTopology.dkl).toEqual({ architecture: 'resnet8', numClasses: 5, inputShape: [8, 8, 3] });
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toContain('layer1.0.bn1.running_var');

    const loaded = await loadModel(dir);
    const x = randomImages(3, 8, 8, 9);
    const a = model.forward(x, { training: false });
    const b = loaded.forward(x, { training: false });
    expect(Array.from(b.logits.dataSync())).toEqual(Array.from(a.logits.dataSync()));
    for (const [k, v] of model.namedVariables()) expect(Array.from(loaded.namedVariables().get(k)!.dataSync())).toEqual(Array.from(v.dataSync()));
    tf.dispose([x, a.logits, b.logits, ...Object.values(a.features), ...Object.values(b.features)]);
    model.dispose();
    loaded.dispose();
  });

  it('splits weights into shards and reads them back; loadWeights fills an existing model', async () => {
    const model = await trainedModel();
    const dir = tmp();
    await saveModel(model, fileSystemIOHandler(dir, 64 * 1024));
    const shards = readdirSync(dir).filter((f) => f.endsWith('.bin'));
    expect(shards.length).toBe(Math.ceil((model.countParams({ trainableOnly: false }) * 4) / (64 * 1024)));
    expect(readdirSync(dir).some((f) => f.endsWith('.tmp'))).toBe(false);
    const target = createModel('resnet8', { numClasses: 5, inputShape: [8, 8, 3], seed: 99 });
    await loadWeights(target, dir);
    expect(Array.from(target.trainableVariables[0]!.dataSync())).toEqual(Array.from(model.trainableVariables[0]!.dataSync()));
    model.dispose();
    target.dispose();
  });

  it('refuses a mismatched architecture, a truncated shard and a foreign model.json', async () => {
    const model = await trainedModel();
    const dir = tmp();
    await saveModel(model, dir);
    const other = createModel('resnet8', { numClasses: 6, inputShape: [8, 8, 3] });
    await expect(loadWeights(other, dir)).rejects.toThrow(/misshaped 2 tensor\(s\): fc\.weight: saved \[64, 5\], model \[64, 6\]/);
    other.dispose();
    truncateSync(path.join(dir, 'group1-shard1of1.bin'), 100);
    await expect(loadModel(dir)).rejects.toThrow(/weight data has 100 bytes but the manifest describes/);
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: {}, weightsManifest: [] }));
    await expect(loadModel(dir)).rejects.toThrow(/is not a dkl model/);
    await expect(loadModel(path.join(dir, 'nope'))).rejects.toThrow(/cannot read model\.json/);
    model.dispose();
  });
});
