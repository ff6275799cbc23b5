import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll } from 'vitest';
import { SeededRng, type ClassifierModel } from '@dkl/core';
import type { ForwardFn } from '../src/index.js';

export const SHAPE: [number, number, number] = [4, 4, 3];
export const CLASSES = 5;

/** Seeded Gaussian blobs in [0, 1]: one random mean image per class plus pixel noise. */
export function makeBlobs(n: number, seed: number, { classes = CLASSES, noise = 0.15, shape = SHAPE } = {}): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const meansRng = new SeededRng('blob-means'); // the same class means for every split
  const dim = shape[0] * shape[1] * shape[2];
  const means = Array.from({ length: classes }, () => Float32Array.from({ length: dim }, () => meansRng.uniform(0.3, 0.7)));
  const rng = new SeededRng(seed);
  const xs = new Float32Array(n * dim);
  const ys = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    ys[i] = c;
    for (let j = 0; j < dim; j++) xs[i * dim + j] = Math.min(1, Math.max(0, means[c]![j]! + rng.normal(0, noise)));
  }
  return { x: tf.tensor4d(xs, [n, ...shape]), y: tf.tensor1d(ys, 'int32') };
}

export interface TinyNet {
  readonly forward: ForwardFn;
  readonly variables: tf.Variable[];
  dispose(): void;
}

/** A 2-layer dense net on flattened images, trained with SGD for `steps` full-batch steps. */
export function trainTinyNet(x: tf.Tensor, y: tf.Tensor, { hidden = 32, steps = 60, lr = 0.5, seed = 1, classes = CLASSES } = {}): TinyNet {
  const dim = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const w1 = tf.variable(tf.randomNormal([dim, hidden], 0, Math.sqrt(2 / dim), 'float32', seed));
  const b1 = tf.variable(tf.zeros([hidden]));
  const w2 = tf.variable(tf.randomNormal([hidden, classes], 0, Math.sqrt(1 / hidden), 'float32', seed + 1));
  const b2 = tf.variable(tf.zeros([classes]));
  const forward: ForwardFn = (input) =>
    tf.tidy(() => tf.relu(input.reshape([input.shape[0]!, dim]).matMul(w1).add(b1)).matMul(w2).add(b2));
  const optimizer = tf.train.sgd(lr);
  const oneHot = tf.oneHot(y.toInt(), classes);
  for (let s = 0; s < steps; s++) {
    tf.tidy(() => {
      optimizer.minimize(() => tf.losses.softmaxCrossEntropy(oneHot, forward(x)) as tf.Scalar);
    });
  }
  oneHot.dispose();
  optimizer.dispose();
  const variables = [w1, b1, w2, b2];
  return { forward, variables, dispose: () => tf.dispose(variables) };
}

/** Fraction of `x` classified as `y`. */
export function accuracy(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor): number {
  const t = tf.tidy(() => tf.mean(tf.equal(tf.argMax(forward(x), 1), y.toInt()).toFloat()));
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
}

/** Per-example correctness. */
export function correct(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor): boolean[] {
  const t = tf.tidy(() => tf.equal(tf.argMax(forward(x), 1), y.toInt()));
  const v = Array.from(t.dataSync(), Boolean);
  t.dispose();
  return v;
}

/** Max per-example L-inf and L2 distance, and the range of values. */
export function distances(adv: tf.Tensor, x: tf.Tensor): { linf: number; l2: number; min: number; max: number } {
  const [linf, l2, min, max] = tf.tidy(() => {
    const d = adv.sub(x);
    return [tf.max(tf.abs(d)), tf.max(tf.sqrt(tf.sum(tf.square(d), [1, 2, 3]))), tf.min(adv), tf.max(adv)];
  });
  const out = { linf: linf!.dataSync()[0]!, l2: l2!.dataSync()[0]!, min: min!.dataSync()[0]!, max: max!.dataSync()[0]! };
  tf.dispose([linf!, l2!, min!, max!]);
  return out;
}

/** A ClassifierModel around a forward function that records the `training` flags it was called with. */
export function asClassifier(net: TinyNet, classes = CLASSES): ClassifierModel & { trainingFlags: boolean[] } {
  const trainingFlags: boolean[] = [];
  return {
    name: 'tiny',
    numClasses: classes,
    inputShape: SHAPE,
    trainingFlags,
    forward(x, { training }) {
      trainingFlags.push(training);
      return { logits: net.forward(x), features: {} };
    },
    trainableVariables: net.variables,
    nonTrainableVariables: [],
    countParams: () => net.variables.reduce((a, v) => a + v.size, 0),
    dispose: () => net.dispose(),
  };
}

export function equalTensors(a: tf.Tensor, b: tf.Tensor): boolean {
  const x = a.dataSync();
  const y = b.dataSync();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The shared fixture of the attack tests: a tiny net trained for 100 steps on 200 blobs of `shape`
 * (cpu backend, SGD at `lr`) and `evalSize` held-out examples, disposed after the file's tests.
 * Await it at the top of a test file.
 */
export async function trainedNet(evalSize: number, { shape = SHAPE, lr = 0.5 } = {}): Promise<{ net: TinyNet; forward: ForwardFn; x: tf.Tensor4D; y: tf.Tensor1D }> {
  await tf.setBackend('cpu');
  const train = makeBlobs(200, 1, { shape });
  const net = trainTinyNet(train.x, train.y, { steps: 100, lr });
  tf.dispose([train.x, train.y]);
  const { x, y } = makeBlobs(evalSize, 2, { shape });
  afterAll(() => {
    net.dispose();
    tf.dispose([x, y]);
  });
  return { net, forward: net.forward, x, y };
}

/** A fresh temporary directory for the file's tests, removed after them. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}
