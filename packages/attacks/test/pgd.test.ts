import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { crossEntropyPerExample, cwLoss, fgsm, pgd } from '../src/index.js';
import { accuracy, correct, distances, equalTensors, trainedNet } from './helpers.js';

const EPS = 0.08;
const { forward, x, y } = await trainedNet(64);

describe('pgd', () => {
  it('keeps L-inf examples inside the eps ball and [0, 1], and lowers accuracy', () => {
    const before = tf.memory().numTensors;
    const adv = pgd(forward, x, y, { norm: 'linf', eps: EPS, stepSize: EPS / 4, steps: 20 });
    const d = distances(adv, x);
    expect(d.linf).toBeLessThanOrEqual(EPS + 1e-6);
    expect(d.min).toBeGreaterThanOrEqual(0);
    expect(d.max).toBeLessThanOrEqual(1);
    const clean = accuracy(forward, x, y);
    const robust = accuracy(forward, adv, y);
    expect(clean).toBeGreaterThan(0.9);
    expect(robust).toBeLessThan(clean);
    adv.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps L2 examples inside the eps ball and [0, 1]', () => {
    const eps = 0.3;
    const adv = pgd(forward, x, y, { norm: 'l2', eps, stepSize: eps / 4, steps: 10, restarts: 2, seed: 3 });
    const d = distances(adv, x);
    expect(d.l2).toBeLessThanOrEqual(eps + 1e-5);
    expect(d.min).toBeGreaterThanOrEqual(0);
    expect(d.max).toBeLessThanOrEqual(1);
    expect(accuracy(forward, adv, y)).toBeLessThanOrEqual(accuracy(forward, x, y));
    adv.dispose();
  });

  it('PGD-20 is at least as strong as FGSM, per example loss in aggregate and in accuracy', () => {
    const a = fgsm(forward, x, y, { eps: EPS });
    const b = pgd(forward, x, y, { norm: 'linf', eps: EPS, stepSize: EPS / 4, steps: 20 });
    expect(distances(a, x).linf).toBeLessThanOrEqual(EPS + 1e-6);
    expect(accuracy(forward, b, y)).toBeLessThanOrEqual(accuracy(forward, a, y));
    const [la, lb] = [a, b].map((adv) => {
      const t = tf.tidy(() => crossEntropyPerExample(forward(adv), y).sum());
      const v = t.dataSync()[0]!;
      t.dispose();
      return v;
    });
    expect(lb!).toBeGreaterThan(la!);
    tf.dispose([a, b]);
  });

  it('gives the same examples for the same seed and different ones for another seed', () => {
    const opts = { norm: 'linf' as const, eps: EPS, stepSize: EPS / 10, steps: 2, seed: 7 };
    const a = pgd(forward, x, y, opts);
    const b = pgd(forward, x, y, opts);
    const c = pgd(forward, x, y, { ...opts, seed: 8 });
    expect(equalTensors(a, b)).toBe(true);
    expect(equalTensors(a, c)).toBe(false);
    tf.dispose([a, b, c]);
  });

  it("'normal' start is the authors' x + 0.001 N(0, 1): seeded by the given rng, projected by the steps (or at the end)", async () => {
    const { SeededRng } = await import('@dkl/core');
    const noise = tf.randomNormal(x.shape, 0, 0.001, 'float32', new SeededRng(5).tfSeed());
    const zeroSteps = pgd(forward, x, y, { norm: 'linf', eps: EPS, stepSize: EPS / 2, steps: 0, randomStart: 'normal', rng: new SeededRng(5) });
    // With no step, the start itself comes back, clamped to the ball and [0, 1].
    const expected = tf.clipByValue(tf.minimum(tf.maximum(x.add(noise), x.sub(EPS)), x.add(EPS)), 0, 1);
    expect(equalTensors(zeroSteps, expected)).toBe(true);
    const a = pgd(forward, x, y, { norm: 'linf', eps: EPS, stepSize: EPS / 2, steps: 5, randomStart: 'normal', rng: new SeededRng(5) });
    const b = pgd(forward, x, y, { norm: 'linf', eps: EPS, stepSize: EPS / 2, steps: 5, randomStart: 'normal', rng: new SeededRng(5) });
    const c = pgd(forward, x, y, { norm: 'linf', eps: EPS, stepSize: EPS / 2, steps: 5, randomStart: 'normal', rng: new SeededRng(6) });
    expect(equalTensors(a, b)).toBe(true);
    expect(equalTensors(a, c)).toBe(false);
    const d = distances(a, x);
    expect(d.linf).toBeLessThanOrEqual(EPS + 1e-6);
    expect(d.min).toBeGreaterThanOrEqual(0);
    expect(d.max).toBeLessThanOrEqual(1);
    expect(() => pgd(forward, x, y, { norm: 'linf', eps: EPS, stepSize: 0.01, steps: 1, randomStart: 'gaussian' as never })).toThrow(/randomStart.*'normal'/);
    tf.dispose([noise, zeroSteps, expected, a, b, c]);
  });

  it('restarts keep, per example, every success of the first run', () => {
    const opts = { norm: 'linf' as const, eps: EPS, stepSize: EPS / 4, steps: 5, seed: 11 };
    const one = pgd(forward, x, y, opts);
    const three = pgd(forward, x, y, { ...opts, restarts: 3 });
    const c1 = correct(forward, one, y);
    const c3 = correct(forward, three, y);
    c1.forEach((ok, i) => {
      if (!ok) expect(c3[i]).toBe(false);
    });
    expect(distances(three, x).linf).toBeLessThanOrEqual(EPS + 1e-6);
    tf.dispose([one, three]);
  });

  it('targeted PGD reaches the target class more often than untargeted PGD does', () => {
    const targets = tf.tidy(() => y.add(1).mod(5).toInt());
    const hit = (adv: tf.Tensor): number => accuracy(forward, adv, targets);
    const targeted = pgd(forward, x, y, { norm: 'linf', eps: 0.15, stepSize: 0.02, steps: 20, targets });
    const untargeted = pgd(forward, x, y, { norm: 'linf', eps: 0.15, stepSize: 0.02, steps: 20 });
    expect(hit(targeted)).toBeGreaterThan(0.3);
    expect(hit(targeted)).toBeGreaterThan(hit(untargeted));
    tf.dispose([targets, targeted, untargeted]);
  });

  it('accepts the CW loss and a scalar objective such as the TRADES inner KL', () => {
    const cw = pgd(forward, x, y, { norm: 'linf', eps: EPS, stepSize: EPS / 4, steps: 10, loss: 'cw' });
    expect(accuracy(forward, cw, y)).toBeLessThan(accuracy(forward, x, y));
    const cleanProbs = tf.tidy(() => tf.softmax(forward(x)));
    // TRADES: maximise KL(p_clean || p_adv), a batch mean (scalar).
    const trades = (logits: tf.Tensor): tf.Tensor =>
      tf.tidy(() => tf.mean(tf.sum(cleanProbs.mul(tf.log(cleanProbs.add(1e-12)).sub(tf.logSoftmax(logits))), 1)));
    const adv = pgd(forward, x, y, { norm: 'linf', eps: EPS, stepSize: EPS / 4, steps: 10, loss: trades, randomStart: false });
    const kl = trades(forward(adv));
    expect(kl.dataSync()[0]!).toBeGreaterThan(0.05);
    expect(distances(adv, x).linf).toBeLessThanOrEqual(EPS + 1e-6);
    tf.dispose([cw, cleanProbs, adv, kl]);
  });

  it('cwLoss is -relu(z_y - max_other + confidence)', () => {
    const logits = tf.tensor2d([[3, 1, 0], [0, 2, 5]]);
    const labels = tf.tensor1d([0, 1], 'int32');
    expect(Array.from(cwLoss(logits, labels, 0).dataSync())).toEqual([-2, -0]);
    expect(Array.from(cwLoss(logits, labels, 5).dataSync())).toEqual([-7, -2]);
    tf.dispose([logits, labels]);
  });

  it('rejects bad arguments with errors naming them', () => {
    expect(() => pgd(forward, x, y, { norm: 'l1' as never, eps: 0.1, stepSize: 0.01, steps: 1 })).toThrow(/'norm'/);
    expect(() => pgd(forward, x, y, { norm: 'linf', eps: -1, stepSize: 0.01, steps: 1 })).toThrow(/'eps'/);
    expect(() => pgd(forward, x, y, { norm: 'linf', eps: 0.1, stepSize: 0.01, steps: 1.5 })).toThrow(/'steps'/);
    const flat = tf.zeros([4, 3]);
    expect(() => fgsm(forward, flat, y, { eps: 0.1 })).toThrow(/'x'.*rank-4/);
    const short = tf.zeros([3], 'int32');
    expect(() => fgsm(forward, x, short, { eps: 0.1 })).toThrow(/'y'.*\[64\].*\[3\]/);
    const big = tf.fill(x.shape, 2);
    expect(() => fgsm(forward, big, y, { eps: 0.1 })).toThrow(/'x'.*\[0, 1\]/);
    tf.dispose([flat, short, big]);
  });
});
