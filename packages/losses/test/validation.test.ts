import * as tf from '@tensorflow/tfjs';
import { ArgumentError, NumericError, ShapeError } from '@dkl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classPriorWeights, crossEntropy, decoupledKL, dkdLoss, iklKdOptions, kdLoss, tradesLoss } from '../src/index.js';

let good: tf.Tensor2D;
let other: tf.Tensor2D;
let labels: tf.Tensor1D;
beforeAll(async () => {
  await tf.setBackend('cpu');
  good = tf.tensor2d([[1, 2, 3], [0, 1, 0]]);
  other = tf.tensor2d([[0, 2, 1], [3, 1, 0]]);
  labels = tf.tensor1d([0, 2], 'int32');
});
afterAll(() => tf.dispose([good, other, labels]));

describe('bad input errors name the argument and the shapes', () => {
  it('mismatched shapes', () => {
    const wide = tf.zeros([2, 4]);
    expect(() => kdLoss(good, wide, { temperature: 1 })).toThrow(ShapeError);
    expect(() => kdLoss(good, wide, { temperature: 1 })).toThrow(/'teacher' must be the same shape as 'student' \[2, 3\], got \[2, 4\] float32/);
    expect(() => decoupledKL(good, wide)).toThrow(/'trained'.*\[2, 3\].*\[2, 4\]/);
    expect(() => tradesLoss(good, wide)).toThrow(/'adversarial'/);
    wide.dispose();
  });

  it('non-2D logits and too few classes', () => {
    const flat = tf.zeros([6]);
    const oneClass = tf.zeros([2, 1]);
    expect(() => crossEntropy(flat, labels)).toThrow(/argument 'logits' must be a rank-2 logits tensor \[B, C\], got \[6\] float32/);
    expect(() => decoupledKL(flat, good)).toThrow(/'reference'/);
    expect(() => kdLoss(oneClass, oneClass, { temperature: 1 })).toThrow(/C >= 2/);
    tf.dispose([flat, oneClass]);
  });

  it('labels out of range, of the wrong length, or not int32', () => {
    const outOfRange = tf.tensor1d([0, 3], 'int32');
    const negative = tf.tensor1d([-1, 0], 'int32');
    const floats = tf.tensor1d([0, 1], 'float32');
    const short = tf.tensor1d([0], 'int32');
    expect(() => crossEntropy(good, outOfRange)).toThrow(ArgumentError);
    expect(() => crossEntropy(good, outOfRange)).toThrow(/'labels'.*\[0, 3\).*max 3.*shape \[2\]/);
    expect(() => dkdLoss(good, other, negative, { alpha: 1, beta: 1, temperature: 1 })).toThrow(/'labels'.*min -1/);
    expect(() => crossEntropy(good, floats)).toThrow(/'labels' must be an int32 tensor \[2\].*got \[2\] float32/);
    expect(() => crossEntropy(good, short)).toThrow(/'labels'.*got \[1\] int32/);
    expect(() => classPriorWeights(tf.eye(3), outOfRange)).toThrow(/'labels'/);
    tf.dispose([outOfRange, negative, floats, short]);
  });

  it('classWeights of the wrong shape or negative; prior not square', () => {
    const wrong = tf.ones([2, 4]);
    const negative = tf.tensor2d([[1, -0.5, 0], [1, 1, 1]]);
    expect(() => decoupledKL(good, other, { classWeights: wrong })).toThrow(/'options.classWeights' must be a float32 tensor \[2, 3\].*got \[2, 4\] float32/);
    expect(() => decoupledKL(good, other, { classWeights: negative })).toThrow(/argument 'options.classWeights': must be >= 0 everywhere, found -0.5/);
    expect(() => classPriorWeights(wrong, labels)).toThrow(/'prior' must be a float32 square matrix/);
    tf.dispose([wrong, negative]);
  });

  it('non-positive or non-finite temperatures and bad option values', () => {
    expect(() => kdLoss(good, other, { temperature: 0 })).toThrow(/'options.temperature': must be a finite number > 0, got 0/);
    expect(() => decoupledKL(good, other, { temperature: -1 })).toThrow(/options.temperature/);
    expect(() => decoupledKL(good, other, { weightTemperature: Number.NaN })).toThrow(/options.weightTemperature/);
    expect(() => dkdLoss(good, other, labels, { alpha: 1, beta: 1, temperature: Infinity })).toThrow(/options.temperature/);
    expect(() => decoupledKL(good, other, { gamma: -0.1 })).toThrow(/options.gamma/);
    expect(() => decoupledKL(good, other, { normalization: 'sum' as never })).toThrow(/options.normalization/);
    expect(() => crossEntropy(good, labels, { labelSmoothing: 1 })).toThrow(/options.labelSmoothing/);
  });

  it('NaN / Inf in any input', () => {
    const nan = tf.tensor2d([[1, Number.NaN, 3], [0, 1, 0]]);
    const inf = tf.tensor2d([[1, 2, 3], [0, -Infinity, 0]]);
    expect(() => kdLoss(good, nan, { temperature: 1 })).toThrow(NumericError);
    expect(() => kdLoss(good, nan, { temperature: 1 })).toThrow(/argument 'teacher': contains 1 NaN or Inf value\(s\) \(shape \[2, 3\]\)/);
    expect(() => decoupledKL(inf, good)).toThrow(/'reference': contains 1 NaN/);
    expect(() => crossEntropy(nan, labels)).toThrow(/'logits'/);
    expect(() => tradesLoss(good, inf)).toThrow(/'adversarial'/);
    expect(() => decoupledKL(good, other, { classWeights: nan })).toThrow(/options.classWeights/);
    expect(() => dkdLoss(good, inf, labels, { alpha: 1, beta: 1, temperature: 1 })).toThrow(/'teacher'/);
    // huge but finite inputs whose sum overflows float32 are not false alarms
    const huge = tf.tensor2d([[3e38, 3e38, 0], [0, 0, 0]]);
    expect(() => decoupledKL(huge, huge, { softLabelWeight: 1, wmseWeight: 0 })).not.toThrow();
    // validate: false skips the value checks (shape checks still run)
    expect(() => kdLoss(good, nan, { temperature: 1, validate: false }).dispose()).not.toThrow();
    tf.dispose([nan, inf, huge]);
  });
});

describe('no tensor leaks', () => {
  it('value-and-gradient calls leave tf.memory().numTensors unchanged', () => {
    const prior = tf.tensor2d([[0.5, 0.25, 0.25], [0.2, 0.6, 0.2], [0.1, 0.1, 0.8]]);
    const run = () => {
      const weights = classPriorWeights(prior, labels);
      const calls: Array<(a: tf.Tensor, b: tf.Tensor) => tf.Scalar> = [
        (a, b) => tf.add(crossEntropy(a, labels, { labelSmoothing: 0.1 }), crossEntropy(b, labels)) as tf.Scalar,
        (a, b) => kdLoss(a, b, { temperature: 4 }),
        (a, b) => tradesLoss(a, b),
        (a, b) => dkdLoss(a, b, labels, { alpha: 1, beta: 8, temperature: 4 }),
        (a, b) => decoupledKL(a, b, iklKdOptions({ referenceGradient: true })),
        (a, b) => decoupledKL(a, b, { classWeights: weights, gamma: 0.5, normalization: 'weights' }),
      ];
      for (const f of calls) {
        const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) => f(a, b))([good, other]);
        tf.dispose([value, ...grads]);
        tf.tidy(() => f(good, other)).dispose();
      }
      weights.dispose();
    };
    run(); // warm-up: kernels may cache backend state on first use
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
    // a failed validation does not leak either
    const bad = tf.tensor2d([[Number.NaN, 0, 0], [0, 0, 0]]);
    const withBad = tf.memory().numTensors;
    expect(() => kdLoss(good, bad, { temperature: 1 })).toThrow(NumericError);
    expect(tf.memory().numTensors).toBe(withBad);
    tf.dispose([bad, prior]);
  });
});
