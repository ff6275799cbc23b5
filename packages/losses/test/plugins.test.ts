import * as tf from '@tensorflow/tfjs';
import { ClassPriorStore, ConfigError, LossRegistry, createContainer, lossRequirements, type LossContext } from '@dkl/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classPriorWeights,
  crossEntropy,
  decoupledKL,
  dkdLoss,
  gklKdOptions,
  hasLossParts,
  iklAtOptions,
  iklKdOptions,
  kdLoss,
  lossesModule,
  tradesLoss,
  warmupFactor,
} from '../src/index.js';

const read = (t: tf.Tensor) => t.dataSync()[0]!;
let logits: tf.Tensor2D;
let reference: tf.Tensor2D;
let labels: tf.Tensor1D;
const ctx = (epoch: number): LossContext => ({ logits, reference, labels, epoch, step: 0 });

beforeAll(async () => {
  await tf.setBackend('cpu');
  logits = tf.tensor2d([[1, 2, 0.5, -1], [0.3, -0.2, 2, 1]]);
  reference = tf.tensor2d([[2, 1, 0, -2], [0, 0.5, 3, 1]]);
  labels = tf.tensor1d([1, 2], 'int32');
});
afterAll(() => tf.dispose([logits, reference, labels]));

describe('loss plugins', () => {
  it('registers ce, kd, dkl, ikl, gkl, dkd and trades', () => {
    const registry = createContainer([lossesModule]).get(LossRegistry);
    expect(registry.names()).toEqual(['ce', 'dkd', 'dkl', 'gkl', 'ikl', 'kd', 'prob-mse', 'trades']);
  });

  it('kd = ceWeight * CE + warm-up * weight * kdLoss, with the warm-up min(epoch / warmup, 1) from epoch 1', () => {
    const term = createContainer([lossesModule]).get(LossRegistry).create('kd', { temperature: 2, weight: 0.9, ceWeight: 0.1, warmup: 4 });
    const kd = read(kdLoss(logits, reference, { temperature: 2 }));
    const ce = read(crossEntropy(logits, labels));
    expect(read(term.compute(ctx(1)))).toBeCloseTo(0.1 * ce + 0.25 * 0.9 * kd, 5);
    expect(read(term.compute(ctx(8)))).toBeCloseTo(0.1 * ce + 0.9 * kd, 5);
    expect(warmupFactor(3, 20)).toBeCloseTo(0.15);
    expect(() => term.compute(ctx(0))).toThrow(/context.epoch/);
  });

  it("kd with ceTarget 'reference' (the authors' KD.MUTUAL): the CE on the reference logits, so the student's gradient is the KD term's alone", () => {
    const registry = createContainer([lossesModule]).get(LossRegistry);
    const mutual = registry.create('kd', { temperature: 4, weight: 1, ceWeight: 1, ceTarget: 'reference' });
    const kdOnly = registry.create('kd', { temperature: 4, weight: 1, ceWeight: 0 });
    expect(read(mutual.compute(ctx(1)))).toBeCloseTo(read(crossEntropy(reference, labels)) + read(kdLoss(logits, reference, { temperature: 4 })), 5);
    const grad = (term: typeof mutual) => tf.grad((l: tf.Tensor) => term.compute({ ...ctx(1), logits: l }))(logits);
    const [a, b] = [grad(mutual), grad(kdOnly)];
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b]);
  });

  it('ikl (kd preset) uses iklKdOptions, warm-up 20 and no class prior by default; parts add up', () => {
    const term = createContainer([lossesModule]).get(LossRegistry).create('ikl', {});
    const dist = read(decoupledKL(reference, logits, iklKdOptions()));
    const ce = read(crossEntropy(logits, labels));
    expect(read(term.compute(ctx(5)))).toBeCloseTo(ce + (5 / 20) * dist, 5);
    expect(hasLossParts(term)).toBe(true);
    if (hasLossParts(term)) {
      const parts = term.computeParts(ctx(5));
      expect(read(parts.hardCe!)).toBeCloseTo(ce, 5);
      expect(read(parts.distillation!)).toBeCloseTo(0.25 * dist, 5);
      expect(parts.warmup).toBe(0.25);
    }
  });

  it('ikl (at preset) reads the class prior from the store; hard CE on the natural (reference) logits', () => {
    const container = createContainer([lossesModule]);
    const store = container.get<ClassPriorStore>(ClassPriorStore);
    const term = container.get(LossRegistry).create('ikl', { preset: 'at' });
    store.attachWriter('class-prior'); // what the class-prior plugin declares when it attaches
    // before any prior: uniform rows 1/C
    const uniform = tf.fill([4, 4], 0.25);
    const expectedUniform = read(crossEntropy(reference, labels)) + read(decoupledKL(reference, logits, iklAtOptions({ classWeights: classPriorWeights(uniform, labels) })));
    expect(read(term.compute(ctx(1)))).toBeCloseTo(expectedUniform, 4);
    const prior = tf.tensor2d([[0.7, 0.1, 0.1, 0.1], [0.1, 0.6, 0.2, 0.1], [0.05, 0.05, 0.85, 0.05], [0.25, 0.25, 0.25, 0.25]]);
    store.set(prior);
    const expected = read(crossEntropy(reference, labels)) + read(decoupledKL(reference, logits, iklAtOptions({ classWeights: classPriorWeights(prior, labels) })));
    expect(read(term.compute(ctx(1)))).toBeCloseTo(expected, 4);
    expect(Math.abs(expected - expectedUniform)).toBeGreaterThan(1e-3);
    tf.dispose([uniform, prior]);
    store.clear();
  });

  it('gkl defaults to GKL-KD with the class prior; options override the preset', () => {
    const container = createContainer([lossesModule]);
    const term = container.get(LossRegistry).create('gkl', { gamma: 0.5, ceWeight: 0, warmup: 1 });
    container.get<ClassPriorStore>(ClassPriorStore).attachWriter('class-prior');
    const uniform = tf.fill([4, 4], 0.25);
    const expected = read(decoupledKL(reference, logits, gklKdOptions({ gamma: 0.5, classWeights: classPriorWeights(uniform, labels) })));
    expect(read(term.compute(ctx(1)))).toBeCloseTo(expected, 5);
    uniform.dispose();
  });

  it('dkd, trades and ce plugins compute their functions', () => {
    const registry = createContainer([lossesModule]).get(LossRegistry);
    const dkd = registry.create('dkd', { warmup: 1 });
    expect(read(dkd.compute(ctx(1)))).toBeCloseTo(read(crossEntropy(logits, labels)) + read(dkdLoss(logits, reference, labels, { alpha: 1, beta: 8, temperature: 4 })), 4);
    const trades = registry.create('trades', { beta: 6 });
    expect(read(trades.compute(ctx(1)))).toBeCloseTo(read(crossEntropy(reference, labels)) + 6 * read(tradesLoss(reference, logits)), 4);
    const ce = registry.create('ce', { labelSmoothing: 0.1 });
    expect(read(ce.compute({ logits, labels, epoch: 1, step: 0 }))).toBeCloseTo(read(crossEntropy(logits, labels, { labelSmoothing: 0.1 })), 6);
  });

  it('config errors name the key; alpha/beta point to the right names; missing reference is explained', () => {
    const registry = createContainer([lossesModule]).get(LossRegistry);
    expect(() => registry.create('ikl', { temperature: -1 }, 'losses[0]')).toThrow(ConfigError);
    expect(() => registry.create('ikl', { temperature: -1 }, 'losses[0]')).toThrow(/losses\[0\]\.options\.temperature/);
    expect(() => registry.create('ikl', { alpha: 4, beta: 20 })).toThrow(/softLabelWeight.*wmseWeight/);
    expect(() => registry.create('kd', { temprature: 4 })).toThrow(/temprature/);
    const term = registry.create('kd', {});
    expect(() => term.compute({ logits, labels, epoch: 1, step: 0 })).toThrow(/'context.reference'.*'kd'/);
  });

  it('compute() leaves no tensors behind', () => {
    const container = createContainer([lossesModule]);
    const registry = container.get(LossRegistry);
    const terms = registry.names().map((name) => registry.create(name, name === 'ikl' ? { preset: 'at' } : {}));
    const detach = container.get<ClassPriorStore>(ClassPriorStore).attachWriter('test'); // ikl-at and gkl read the prior
    for (const term of terms) term.compute(ctx(2)).dispose(); // warm-up (store's uniform prior is kept by the store)
    const before = tf.memory().numTensors;
    for (const term of terms) term.compute(ctx(2)).dispose();
    expect(tf.memory().numTensors).toBe(before);
    detach();
    container.get<ClassPriorStore>(ClassPriorStore).clear();
  });

  it('a loss with classPrior refuses to run while nothing writes the prior, and declares the requirement', () => {
    const container = createContainer([lossesModule]);
    const registry = container.get(LossRegistry);
    const store = container.get<ClassPriorStore>(ClassPriorStore);
    const gkl = registry.create('gkl', {}); // GKL-KD: the prior is on by default
    expect(() => gkl.compute(ctx(2))).toThrow(/class prior.*nothing writes it.*class-prior plugin/);
    const detach = store.attachWriter('class-prior');
    gkl.compute(ctx(2)).dispose(); // epoch 1: the uniform prior, as the authors' trainers
    detach();
    expect(() => gkl.compute(ctx(2))).toThrow(/nothing writes it/);
    store.clear();
    const requirements = (name: string, options: Record<string, unknown>) => {
      const definition = registry.definition(name);
      return lossRequirements(definition, definition.schema.parse(options));
    };
    // Class-prior weights are looked up by each example's true class: hard labels too.
    expect(requirements('gkl', {})).toEqual({ reference: true, classPrior: true, hardLabels: true });
    expect(requirements('ikl', {})).toEqual({ reference: true, classPrior: false, hardLabels: false });
    expect(requirements('ikl', { preset: 'at' })).toEqual({ reference: true, classPrior: true, hardLabels: true });
    expect(requirements('ikl', { preset: 'at', classPrior: false })).toEqual({ reference: true, classPrior: false, hardLabels: false });
    expect(requirements('dkd', {})).toEqual({ reference: true, classPrior: false, hardLabels: true }); // its target / non-target split
    expect(requirements('ce', {})).toEqual({ reference: false, classPrior: false });
    expect(requirements('kd', {})).toEqual({ reference: true, classPrior: false });
  });
});
