import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createContainer, ModelDefinition } from '@dkl/core';
import { ARCHITECTURE_NAMES, createModel, modelsModule, type DklModel } from '../src/index.js';
import { randomImages, useCpu } from './helpers.js';

beforeAll(useCpu);

/** [name, input size, feature names with [H, W, C] for that input]; large models are covered by the shape-only count tests. */
const SHAPES: readonly [string, number, Record<string, [number, number, number]>][] = [
  ['resnet8', 8, { stem: [8, 8, 16], stage1: [8, 8, 16], stage2: [4, 4, 32], stage3: [2, 2, 64] }],
  ['resnet20', 8, { stage3: [2, 2, 64] }],
  ['resnet8x4', 8, { stem: [8, 8, 32], stage3: [2, 2, 256] }],
  ['wrn_16_2', 8, { stem: [8, 8, 16], stage1: [8, 8, 32], stage2: [4, 4, 64], stage3: [2, 2, 128] }],
  ['wrn_40_1', 8, { stage3: [2, 2, 64] }],
  ['vgg8_bn', 16, { stem: [16, 16, 64], stage1: [8, 8, 128], stage2: [4, 4, 256], stage3: [2, 2, 512], stage4: [2, 2, 512] }],
  ['mobile_half', 32, { stem: [16, 16, 16], stage1: [16, 16, 12], stage2: [8, 8, 16], stage3: [4, 4, 48], stage4: [2, 2, 160] }],
  ['ShuffleV1', 16, { stem: [16, 16, 24], stage1: [8, 8, 240], stage2: [4, 4, 480], stage3: [2, 2, 960] }],
  ['ShuffleV2', 16, { stem: [16, 16, 24], stage1: [8, 8, 116], stage2: [4, 4, 232], stage3: [2, 2, 464] }],
  ['ResNet18', 8, { stage1: [8, 8, 64], stage4: [1, 1, 512] }],
  ['imagenet_resnet18', 32, { stem: [16, 16, 64], stage1: [8, 8, 64], stage4: [1, 1, 512] }],
  ['MobileNetV1', 32, { stage1: [8, 8, 128], stage2: [4, 4, 256], stage3: [2, 2, 512], stage4: [1, 1, 1024] }],
  ['tiny_cnn', 8, { stem: [8, 8, 16], stage1: [4, 4, 32], stage2: [2, 2, 64] }],
];

const EMBEDDING: Record<string, number> = {
  resnet8: 64, resnet20: 64, resnet8x4: 256, wrn_16_2: 128, wrn_40_1: 64, vgg8_bn: 512, mobile_half: 1280, ShuffleV1: 960,
  ShuffleV2: 1024, ResNet18: 512, imagenet_resnet18: 512, MobileNetV1: 1024, tiny_cnn: 64,
};

describe('output shapes', () => {
  it.each(SHAPES)('%s on %ipx inputs', (name, size, feats) => {
    const model = createModel(name, { numClasses: 7, inputShape: [size, size, 3] });
    const x = randomImages(2, size, size);
    const before = tf.memory().numTensors;
    for (const training of [true, false]) {
      const out = model.forward(x, { training });
      expect(out.logits.shape).toEqual([2, 7]);
      expect(out.features['embedding']!.shape).toEqual([2, EMBEDDING[name]]);
      for (const [k, shape] of Object.entries(feats)) expect([k, out.features[k]!.shape]).toEqual([k, [2, ...shape]]);
      expect(out.logits.dataSync().every(Number.isFinite)).toBe(true);
      tf.dispose([out.logits, ...Object.values(out.features)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });

  it.each(['resnet8', 'ResNet18', 'MobileNetV1'])("%s exposes each stage's pre-activation (mdistiller's preact_feats): relu(preact/stageK) = stageK", (name) => {
    const model = createModel(name, { numClasses: 5, inputShape: [16, 16, 3] });
    const x = randomImages(2, 16, 16);
    const out = model.forward(x, { training: false });
    const stages = Object.keys(out.features).filter((k) => /^stage\d+$/.test(k));
    expect(stages.length).toBeGreaterThanOrEqual(3);
    for (const stage of stages) {
      const preact = out.features[`preact/${stage}`]!;
      expect(preact.shape).toEqual(out.features[stage]!.shape);
      expect(preact.min().dataSync()[0]).toBeLessThan(0); // really before the ReLU
      expect(Array.from(tf.relu(preact).dataSync())).toEqual(Array.from(out.features[stage]!.dataSync()));
    }
    tf.dispose([x, out.logits, ...Object.values(out.features)]);
    model.dispose();
  });

  it.each([
    ['resnet8', ['preact/stage1', 'preact/stage2', 'preact/stage3']],
    ['ResNet18', ['preact/stage1', 'preact/stage2', 'preact/stage3', 'preact/stage4']],
    ['imagenet_resnet18', ['preact/stage2', 'preact/stage3', 'preact/stage4']], // mdistiller's ImageNet ResNet leaves out stage 1
    ['MobileNetV1', ['preact/stage1', 'preact/stage2', 'preact/stage3', 'preact/stage4']],
  ])("%s names the BatchNorm before each pre-activation's ReLU (get_bn_before_relu): its beta shifts that tap and no other", (name, taps) => {
    const model = createModel(name, { numClasses: 5, ...(name.startsWith('imagenet') || name === 'MobileNetV1' ? { inputShape: [32, 32, 3] as const } : { inputShape: [16, 16, 3] as const }) }) as DklModel;
    const norms = model.preactBatchNorms();
    expect(Object.keys(norms)).toEqual(taps);
    const x = randomImages(2, model.inputShape[0], model.inputShape[1]);
    const preacts = () => {
      const out = model.forward(x, { training: false });
      const values = taps.map((t) => Array.from(out.features[t]!.dataSync()));
      tf.dispose([out.logits, ...Object.values(out.features)]);
      return values;
    };
    for (const [i, tap] of taps.entries()) {
      const before = preacts();
      const beta = norms[tap]!.beta as tf.Variable;
      const saved = beta.clone();
      tf.tidy(() => beta.assign(tf.add(beta, 1)));
      const after = preacts();
      // Eval-mode BatchNorm adds beta last; the residual (if any) is added after it, so the tap moves by exactly 1.
      after[i]!.forEach((v, k) => expect(v - before[i]![k]!).toBeCloseTo(1, 4));
      for (let j = 0; j < i; j++) expect(after[j]).toEqual(before[j]);
      beta.assign(saved);
      saved.dispose();
    }
    x.dispose();
    model.dispose();
  });

  it("MobileNetV1's feats are its four tapped blocks without a stem, as mdistiller's (so feats[1:] pairs as there)", () => {
    const model = createModel('MobileNetV1', { numClasses: 3, inputShape: [32, 32, 3] });
    const x = randomImages(1, 32, 32);
    const out = model.forward(x, { training: false });
    expect(Object.keys(out.features).filter((k) => !k.includes('/')).sort()).toEqual(['embedding', 'stage1', 'stage2', 'stage3', 'stage4']);
    tf.dispose([x, out.logits, ...Object.values(out.features)]);
    model.dispose();
  });

  it('VGG pools after block 3 only for 64-pixel inputs, as upstream', () => {
    const model = createModel('vgg8_bn', { numClasses: 3, inputShape: [64, 64, 3] });
    const x = randomImages(1, 64, 64);
    const out = model.forward(x, { training: false });
    expect(out.features['stage4']!.shape).toEqual([1, 4, 4, 512]);
    tf.dispose([x, out.logits, ...Object.values(out.features)]);
    model.dispose();
  });

  it('defaults to 32x32 for CIFAR models and 224x224 for ImageNet ones', () => {
    const a = createModel('resnet8', { numClasses: 10 });
    const b = createModel('MobileNetV1', { numClasses: 10 });
    expect(a.inputShape).toEqual([32, 32, 3]);
    expect(b.inputShape).toEqual([224, 224, 3]);
    a.dispose();
    b.dispose();
  });
});

describe('creation and validation', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const w = (seed: number) => {
      const m = createModel('tiny_cnn', { numClasses: 3, seed });
      const v = m.trainableVariables[0]!.dataSync().slice();
      m.dispose();
      return Array.from(v);
    };
    expect(w(5)).toEqual(w(5));
    expect(w(5)).not.toEqual(w(6));
  });

  it('follows PyTorch init: BN 1/0, running stats 0/1, fan-out normal convs, WRN zero fc bias', () => {
    const m = createModel('wrn_16_1', { numClasses: 10 });
    const v = m.namedVariables();
    expect(Array.from(v.get('bn1.weight')!.dataSync())).toEqual(new Array(64).fill(1));
    expect(Array.from(v.get('bn1.bias')!.dataSync())).toEqual(new Array(64).fill(0));
    expect(Array.from(v.get('bn1.running_var')!.dataSync())).toEqual(new Array(64).fill(1));
    expect(Array.from(v.get('fc.bias')!.dataSync())).toEqual(new Array(10).fill(0));
    const w = v.get('block3.layer.0.conv1.weight')!.dataSync();
    const std = Math.sqrt(Array.from(w).reduce((a, x) => a + x * x, 0) / w.length);
    expect(std).toBeGreaterThan(Math.sqrt(2 / (9 * 64)) * 0.9);
    expect(std).toBeLessThan(Math.sqrt(2 / (9 * 64)) * 1.1);
    const fcW = v.get('fc.weight')!.dataSync();
    expect(Math.max(...Array.from(fcW, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(64));
    m.dispose();
  });

  it('rejects unknown names, bad class counts, input shapes and extras with named arguments', () => {
    expect(() => createModel('resnet9', { numClasses: 10 })).toThrow(/argument 'name': unknown model 'resnet9'/);
    expect(() => createModel('resnet8', { numClasses: 0 })).toThrow(/argument 'numClasses'/);
    expect(() => createModel('resnet8', { numClasses: 10, inputShape: [32, 32, 1] })).toThrow(/argument 'inputShape'/);
    expect(() => createModel('vgg8_bn', { numClasses: 10, inputShape: [4, 4, 3] })).toThrow(/height and width >= 8/);
    expect(() => createModel('wrn', { numClasses: 10, extra: { depth: 15, widenFactor: 1 } })).toThrow(/config key 'extra.depth'/);
    expect(() => createModel('resnet8', { numClasses: 10, extra: { width: 2 } })).toThrow(/config key 'extra'/);
    const m = createModel('tiny_cnn', { numClasses: 2, inputShape: [8, 8, 3] });
    const x = randomImages(1, 16, 16);
    expect(() => m.forward(x, { training: false })).toThrow(/argument 'x' must be NHWC \[batch, 8, 8, 3\]/);
    x.dispose();
    // BatchNorm in training mode needs more than one value per channel (as in PyTorch).
    const m1 = createModel('tiny_cnn', { numClasses: 2, inputShape: [1, 1, 3] });
    const one = tf.zeros([1, 1, 1, 3]);
    expect(() => m1.forward(one, { training: true })).toThrow(/more than 1 value per channel/);
    const evalOut = m1.forward(one, { training: false });
    tf.dispose([one, evalOut.logits, ...Object.values(evalOut.features)]);
    m.dispose();
    m1.dispose();
    expect(() => m.forward(randomImages(1, 8, 8), { training: false })).toThrow(/disposed/);
  });

  it('resolves any wrn_<depth>_<width> and the general wrn', () => {
    const a = createModel('wrn_10_2', { numClasses: 4, inputShape: [8, 8, 3] });
    const b = createModel('wrn', { numClasses: 4, inputShape: [8, 8, 3], extra: { depth: 10, widenFactor: 2 } });
    expect(a.countParams()).toBe(b.countParams());
    expect([...a.namedVariables().keys()]).toEqual([...b.namedVariables().keys()]);
    a.dispose();
    b.dispose();
  });

  it('resolves the DeepMind-layout wrn_<d>_<k>_swish / _dm names; normalization is an extra', () => {
    const x = randomImages(2, 8, 8);
    const logits = (name: string, extra?: Record<string, unknown>) => {
      const m = createModel(name, { numClasses: 10, inputShape: [8, 8, 3], seed: 3, ...(extra ? { extra } : {}) });
      const out = tf.tidy(() => Array.from(m.forward(x, { training: false }).logits.dataSync()));
      m.dispose();
      return out;
    };
    const swish = logits('wrn_10_2_swish'), relu = logits('wrn_10_2_dm'), raw = logits('wrn_10_2_swish', { normalization: 'none' });
    expect(swish).toHaveLength(20);
    expect(relu).not.toEqual(swish); // same parameters (same seed), other activation
    expect(raw).not.toEqual(swish);
    expect(() => createModel('wrn_10_2_swish', { numClasses: 10, extra: { normalization: 'imagenet' } })).toThrow(/normalization/);
    expect(() => createModel('wrn_11_2_swish', { numClasses: 10 })).toThrow(/unknown model|wrn_11_2_swish/);
    x.dispose();
  });
});

describe('modelsModule', () => {
  it('binds one ModelDefinition per architecture that creates working models', () => {
    const container = createContainer([modelsModule]);
    const defs = container.getAll<ModelDefinition>(ModelDefinition);
    expect(defs.map((d) => d.name).sort()).toEqual([...ARCHITECTURE_NAMES].sort());
    const tiny = defs.find((d) => d.name === 'tiny_cnn')!;
    const model = tiny.create({ numClasses: 5, inputShape: [8, 8, 3], seed: 1 });
    expect(model.numClasses).toBe(5);
    model.dispose();
    const wrn = defs.find((d) => d.name === 'wrn')!;
    expect(wrn.schema).toBeDefined();
    expect(() => wrn.create({ numClasses: 5, extra: { depth: 7, widenFactor: 1 } })).toThrow(/config key 'extra\.depth'/);
  });
});
