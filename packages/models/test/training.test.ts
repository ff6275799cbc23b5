import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suiteBackends, useSuiteBackend } from '@dkl/core';
import { createModel, BN_EPSILON } from '../src/index.js';
import { randomImages, useCpu } from './helpers.js';

beforeAll(useCpu);

const disposeOut = (out: { logits: tf.Tensor; features: Record<string, tf.Tensor> }) =>
  tf.dispose([out.logits, ...Object.values(out.features)]);

describe('BatchNorm train/eval behaviour', () => {
  it('updates running statistics only when training, with PyTorch momentum 0.1 and unbiased variance', () => {
    const model = createModel('tiny_cnn', { numClasses: 3, inputShape: [8, 8, 3] });
    const vars = model.namedVariables();
    const x = randomImages(2, 8, 8, 3);
    const snapshot = () => model.nonTrainableVariables.map((v) => Array.from(v.dataSync()));
    const initial = snapshot();

    disposeOut(model.forward(x, { training: false }));
    expect(snapshot()).toEqual(initial);

    // Expected update of bn1 computed by hand from conv1's output.
    const expected = tf.tidy(() => {
      const conv = tf.conv2d(x, vars.get('conv1.weight')! as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      const { mean, variance } = tf.moments(conv, [0, 1, 2]);
      const n = 2 * 8 * 8;
      return {
        mean: tf.mul(mean, 0.1).arraySync() as number[],
        variance: tf.add(0.9, tf.mul(variance, (0.1 * n) / (n - 1))).arraySync() as number[],
      };
    });
    disposeOut(model.forward(x, { training: true }));
    const rm = Array.from(vars.get('bn1.running_mean')!.dataSync());
    const rv = Array.from(vars.get('bn1.running_var')!.dataSync());
    rm.forEach((v, i) => expect(v).toBeCloseTo(expected.mean[i]!, 5));
    rv.forEach((v, i) => expect(v).toBeCloseTo(expected.variance[i]!, 5));
    expect(snapshot()).not.toEqual(initial);
    x.dispose();
    model.dispose();
  });

  it('training mode normalises with batch statistics; eval mode with running statistics', () => {
    const model = createModel('tiny_cnn', { numClasses: 3, inputShape: [8, 8, 3] });
    const x = randomImages(4, 8, 8, 5);
    const stats = tf.tidy(() => {
      const out = model.forward(x, { training: true });
      // After BN+ReLU in training mode, the pre-ReLU per-channel batch mean is beta (0), so the
      // post-ReLU stem is non-negative and roughly half the units are active.
      const stem = out.features['stem']!;
      return { min: stem.min().dataSync()[0]!, active: tf.mean(tf.cast(tf.greater(stem, 0), 'float32')).dataSync()[0]! };
    });
    expect(stats.min).toBeGreaterThanOrEqual(0);
    expect(stats.active).toBeGreaterThan(0.3);
    expect(stats.active).toBeLessThan(0.7);
    // Eval with identity running stats (mean 0, var 1): BN(y) = y / sqrt(1 + eps).
    const fresh = createModel('tiny_cnn', { numClasses: 3, inputShape: [8, 8, 3] });
    const v = fresh.namedVariables();
    const diff = tf.tidy(() => {
      const conv = tf.conv2d(x, v.get('conv1.weight')! as tf.Tensor4D, 1, [[0, 0], [1, 1], [1, 1], [0, 0]]);
      const manual = tf.relu(tf.div(conv, Math.sqrt(1 + BN_EPSILON)));
      const out = fresh.forward(x, { training: false });
      return tf.max(tf.abs(tf.sub(manual, out.features['stem']!))).dataSync()[0]!;
    });
    expect(diff).toBeLessThan(1e-5);
    x.dispose();
    model.dispose();
    fresh.dispose();
  });
});

/**
 * BatchNorm biases whose output reaches the loss only through linear ops followed by another
 * training-mode BatchNorm have an exactly zero gradient (the next BN subtracts any per-channel
 * constant), in PyTorch too: MobileNetV2's projection BN (feeds the next expand conv + BN) and
 * ShuffleNetV2's un-activated BNs before a 1x1 conv + BN. For those we assert the gradient is
 * numerically zero instead of requiring the value to change.
 */
const ANALYTICALLY_ZERO: Record<string, RegExp> = {
  mobile_half: /^blocks\.\d+\.\d+\.conv\.7\.bias$/,
  ShuffleV2: /^layer\d\.0\.bn[14]\.bias$|^layer\d\.[1-9]\d*\.bn2\.bias$/,
};

const BACKENDS = await suiteBackends('@dkl/models gradient and leak suite');
const GRADIENT_CASES = [
  ['tiny_cnn', 8, 2],
  ['resnet8', 8, 2],
  ['wrn_16_1', 8, 2],
  ['vgg8_bn', 8, 2],
  ['ShuffleV1', 8, 2],
  ['ShuffleV2', 8, 4],
  ['mobile_half', 16, 4],
] as const;

describe('gradients', () => {
  afterAll(useCpu);
  it.each(BACKENDS.flatMap((backend) => GRADIENT_CASES.map(([name, size, batch]) => [name, size, batch, backend] as const)))('one SGD step on %s (%ipx, batch %i) on %s changes every trainable variable and leaks no tensors', async (name, size, batch, backend) => {
    await useSuiteBackend(backend);
    const model = createModel(name, { numClasses: 4, inputShape: [size, size, 3] });
    const x = randomImages(batch, size, size, 11);
    const labels = tf.oneHot(tf.tensor1d([1, 3, 0, 2].slice(0, batch), 'int32'), 4);
    const names = model.parameters.filter((p) => p.spec.trainable).map((p) => p.spec.name);
    const before = model.trainableVariables.map((v) => v.dataSync().slice());
    const optimizer = tf.train.sgd(0.1);
    const tensorsBefore = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(x, { training: true });
      return tf.losses.softmaxCrossEntropy(labels, out.logits) as tf.Scalar;
    }, model.trainableVariables as tf.Variable[]);
    expect(Object.keys(grads).length).toBe(names.length);
    const zeroPattern = ANALYTICALLY_ZERO[name];
    const gradMax = model.trainableVariables.map((v) => tf.tidy(() => tf.max(tf.abs(grads[v.name]!)).dataSync()[0]!));
    const largest = Math.max(...gradMax);
    optimizer.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const unchanged: string[] = [];
    model.trainableVariables.forEach((v, i) => {
      if (zeroPattern?.test(names[i]!)) {
        // Numerically zero: float32 rounding noise, far below the typical gradient.
        expect([names[i], gradMax[i]! < 1e-3 * largest]).toEqual([names[i], true]);
      } else if (v.dataSync().every((a, j) => a === before[i]![j])) unchanged.push(names[i]!);
    });
    expect(unchanged).toEqual([]);
    optimizer.dispose();
    tf.dispose([x, labels]);
    model.dispose();
  });

  it('gradients with respect to the input flow through eval-mode BatchNorm (for attacks on a frozen teacher)', () => {
    const model = createModel('resnet8', { numClasses: 4, inputShape: [8, 8, 3] });
    const x = randomImages(2, 8, 8, 2);
    const g = tf.grad((input: tf.Tensor) => tf.sum(model.forward(input, { training: false }).logits))(x);
    expect(g.shape).toEqual([2, 8, 8, 3]);
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, g]);
    model.dispose();
  });

  it('dispose releases every variable', () => {
    const count = tf.memory().numTensors;
    const model = createModel('resnet8', { numClasses: 4 });
    expect(tf.memory().numTensors).toBe(count + model.parameters.length);
    model.dispose();
    expect(tf.memory().numTensors).toBe(count);
  });
});
