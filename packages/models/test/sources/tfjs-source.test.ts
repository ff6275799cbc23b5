import { createReadStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, type ModelSourceContext } from '@dkl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel, exportModel, fileSystemIOHandler, LayersClassifier, saveLayersClassifier, tfjsClassifier, tfjsSource, tfjsSourceSchema } from '../../src/index.js';
import { useCpu } from '../helpers.js';

/** A Keras-style student built in code: conv-BN-ReLU blocks, global pooling, linear logits. */
function kerasStudent(numClasses = 10, activation: 'linear' | 'softmax' = 'linear'): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 3] });
  let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same', useBias: false, name: 'conv1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: 'bn1' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ name: 'conv1_relu' }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(h) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: numClasses, activation, name: 'logits', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: logits });
}

const dir = mkdtempSync(path.join(tmpdir(), 'dkl-tfjs-source-'));
let server: Server;
let baseUrl: string;
const context = (overrides: Partial<ModelSourceContext> = {}): ModelSourceContext => ({ role: 'student', numClasses: 10, inputShape: [16, 16, 3], seed: '0', keyPath: 'models.student', definitions: [], ...overrides });

beforeAll(async () => {
  await useCpu();
  // Stock tfjs loads over http: a real server on loopback serves the saved directories.
  server = createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    const stream = createReadStream(file);
    stream.on('error', () => res.writeHead(404).end());
    stream.on('open', () => stream.pipe(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('tfjs model source', () => {
  it('trains a layers-model student: loss falls, BatchNorm moving statistics follow Keras, tensors flat', async () => {
    const student = tfjsClassifier(kerasStudent(), { name: 'keras-student', role: 'student', numClasses: 10, inputShape: [16, 16, 3], features: { stage1: 'conv1_relu' } });
    expect(student.trainableVariables.length).toBe(5); // conv kernel, bn gamma/beta, dense kernel/bias
    expect(student.nonTrainableVariables.length).toBe(2); // bn moving mean / variance
    const x = tf.randomUniform([8, 16, 16, 3], 0, 1, 'float32', 3);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10);
    const optimizer = tf.train.adam(0.05);
    const movingMean = student.nonTrainableVariables[0]!;
    const expectedMean = tf.tidy(() => {
      const conv = (student as LayersClassifier).model.getLayer('conv1').apply(x) as tf.Tensor;
      return conv.mean([0, 1, 2]).mul(0.01); // Keras: moving = 0.99 * moving (0) + 0.01 * batch mean
    });
    const losses: number[] = [];
    let baseline = 0;
    for (let step = 0; step < 30; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const out = student.forward(x, { training: true });
        expect(out.features['stage1']!.shape).toEqual([8, 16, 16, 8]);
        return tf.losses.softmaxCrossEntropy(y, out.logits) as tf.Scalar;
      }, student.trainableVariables as tf.Variable[]);
      if (step === 0) {
        const got = movingMean.dataSync();
        const want = expectedMean.dataSync();
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
      }
      optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
      losses.push(value.dataSync()[0]!);
      tf.dispose([value, ...Object.values(grads)]);
      if (step === 1) baseline = tf.memory().numTensors;
      if (step > 1) expect(tf.memory().numTensors).toBe(baseline);
    }
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]!);
    // Inference mode uses the moving statistics and changes nothing.
    const meanBefore = Array.from(movingMean.dataSync());
    tf.dispose(student.forward(x, { training: false }).logits);
    expect(Array.from(movingMean.dataSync())).toEqual(meanBefore);

    // Saved by dkl, loaded back by stock tfjs over http with the trained weights.
    const files = await saveLayersClassifier(student, path.join(dir, 'trained'));
    expect(files).toEqual(['group1-shard1of1.bin', 'model.json']);
    const loaded = await tf.loadLayersModel(`${baseUrl}/trained/model.json`);
    const ours = student.forward(x, { training: false }).logits;
    const theirs = loaded.predict(x) as tf.Tensor;
    expect(Array.from(theirs.dataSync())).toEqual(Array.from(ours.dataSync()));
    expect(loaded.getWeights().map((w) => w.shape)).toEqual((student as LayersClassifier).model.getWeights().map((w) => w.shape));
    tf.dispose([ours, theirs, x, y, expectedMean]);
    loaded.dispose();
    student.dispose();
    optimizer.dispose();
  });

  it('loads a model.json from a file and from an http(s) URL', async () => {
    await kerasStudent().save(fileSystemIOHandler(path.join(dir, 'fresh')));
    const fromFile = await tfjsSource.create(tfjsSourceSchema.parse({ path: path.join(dir, 'fresh') }), context());
    const fromUrl = await tfjsSource.create(tfjsSourceSchema.parse({ path: `${baseUrl}/fresh/model.json` }), context({ role: 'teacher' }));
    expect(fromFile.numClasses).toBe(10);
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 4);
    const a = fromFile.forward(x, { training: false }).logits;
    const b = fromUrl.forward(x, { training: true }).logits; // a teacher ignores training: inference mode
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, x]);
    fromFile.dispose();
    fromUrl.dispose();
  });

  it('runs a tfjs graph model (the zoo exporter\'s) as a teacher with the zoo model\'s logits', async () => {
    const zoo = createModel('tiny_cnn', { numClasses: 10, inputShape: [16, 16, 3], seed: 5 });
    await exportModel(zoo, 'tfjs-graph', { out: path.join(dir, 'graph') });
    const teacher = await tfjsSource.create(tfjsSourceSchema.parse({ path: path.join(dir, 'graph', 'model.json') }), context({ role: 'teacher' }));
    const x = tf.randomUniform([3, 16, 16, 3], 0, 1, 'float32', 6);
    const want = zoo.forward(x, { training: false }).logits;
    const got = teacher.forward(x, { training: false }).logits;
    const diff = tf.tidy(() => want.sub(got).abs().max().dataSync()[0]!);
    expect(diff).toBeLessThan(1e-4);
    expect(teacher.trainableVariables).toEqual([]);
    const student = await tfjsSource.create(tfjsSourceSchema.parse({ path: path.join(dir, 'graph') }), context()).catch((e: unknown) => e);
    expect((student as Error).message).toMatch(/graph model.*can only be a teacher/);
    tf.dispose([want, got, x]);
    teacher.dispose();
    zoo.dispose();
  });

  it('names the model, the expected and the found shapes; a softmax output; an unknown layer; a missing file', async () => {
    await kerasStudent().save(fileSystemIOHandler(path.join(dir, 'ten')));
    const classes = await tfjsSource.create(tfjsSourceSchema.parse({ path: path.join(dir, 'ten') }), context({ numClasses: 100 })).catch((e: unknown) => e);
    expect(classes).toBeInstanceOf(ConfigError);
    expect((classes as Error).message).toMatch(/models\.student.*ten[/\\]model\.json: output 'logits.*expected \[\?, 100\], found \[\?, 10\]/);
    const shape = await tfjsSource.create(tfjsSourceSchema.parse({ path: path.join(dir, 'ten') }), context({ inputShape: [32, 32, 3] })).catch((e: unknown) => e);
    expect((shape as Error).message).toMatch(/input '.*' \(NHWC\) expected \[\?, 32, 32, 3\], found \[\?, 16, 16, 3\]/);
    expect(() => tfjsClassifier(kerasStudent(10, 'softmax'), { name: 'probs', role: 'student' })).toThrow(/output layer 'logits' applies softmax/);
    const layer = await tfjsSource.create(tfjsSourceSchema.parse({ path: path.join(dir, 'ten'), features: { stage1: 'conv9' } }), context()).catch((e: unknown) => e);
    expect((layer as Error).message).toMatch(/models\.student\.features\.stage1.*no layer 'conv9'; its layers: .*conv1_relu/);
    const missing = await tfjsSource.create(tfjsSourceSchema.parse({ path: path.join(dir, 'none', 'model.json') }), context()).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/models\.student\.path.*none[/\\]model\.json' does not exist/);
    expect(readdirSync(dir)).not.toContain('none');
  });
});
