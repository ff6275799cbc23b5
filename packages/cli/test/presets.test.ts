import { callbacksModule } from '@dkl/callbacks';
import { ConfigError, createContainer, DatasetDefinition, LossDefinition, ModelDefinition, TrainingPluginDefinition, parseConfig } from '@dkl/core';
import { compilePipeline, dataModule, type TransformSpec } from '@dkl/data';
import { distillersModule } from '@dkl/distillers';
import { lossesModule } from '@dkl/losses';
import { modelsModule } from '@dkl/models';
import { describe, expect, it } from 'vitest';
import { builtinTrainers } from '@dkl/trainers';
import { runConfigSchema, trainerOwnOptions, type RunConfig } from '../src/config/run-config.js';
import { CIFAR100_PAIRS, getPreset, listPresets } from '../src/presets/index.js';

const parse = (name: string): RunConfig => parseConfig(runConfigSchema, getPreset(name), `preset ${name}`);
const lossOptions = (c: RunConfig) => c.trainer.losses[0]!.options as Record<string, unknown>;
const plugin = (c: RunConfig, name: string) => c.plugins.find((p) => p.name === name)?.options as Record<string, unknown> | undefined;

describe('listPresets', () => {
  const presets = listPresets();

  it('covers 11 CIFAR-100 pairs x 4 logit methods and x 7 feature distillers, ReviewKD, 2 ImageNet pairs x 4 methods and the AT settings', () => {
    const names = presets.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(CIFAR100_PAIRS).toHaveLength(11);
    for (const method of ['kd', 'dkd', 'ikl-kd', 'gkl-kd']) {
      expect(names.filter((n) => n.startsWith(`cifar100/${method}/`))).toHaveLength(11);
      expect(names.filter((n) => n.startsWith(`imagenet/${method}/`))).toEqual([`imagenet/${method}/r34-r18`, `imagenet/${method}/r50-mv1`]);
    }
    for (const method of ['fitnet', 'attention', 'rkd', 'pkt', 'sp', 'vid', 'nst']) expect(names.filter((n) => n.startsWith(`cifar100/${method}/`)), method).toHaveLength(11);
    expect(names).toContain('cifar100/reviewkd/res32x4-res8x4');
    for (const name of ['cifar100/at/ikl-at', 'cifar10/at/ikl-at', 'cifar100/at/gkl-at', 'cifar10/at/gkl-at', 'cifar100/at/trades', 'cifar10/at/trades']) {
      expect(names).toContain(name);
    }
    for (const p of presets) {
      expect(p.description.length, p.name).toBeGreaterThan(40);
      expect(p.source, p.name).toMatch(/github\.com\//);
    }
  });

  it('every preset parses with runConfigSchema, and its components exist with valid options', () => {
    const container = createContainer([lossesModule, distillersModule, callbacksModule, dataModule, modelsModule]);
    const losses = new Map(container.getAll<LossDefinition>(LossDefinition).map((d) => [d.name, d]));
    const plugins = new Map(container.getAll<TrainingPluginDefinition>(TrainingPluginDefinition).map((d) => [d.name, d]));
    const datasets = new Map(container.getAll<DatasetDefinition>(DatasetDefinition).map((d) => [d.name, d]));
    const models = new Set(container.getAll<ModelDefinition>(ModelDefinition).map((d) => d.name));
    const trainers = new Map(builtinTrainers.map((d) => [d.name, d]));
    for (const { name } of presets) {
      const config = parse(name);
      expect(config.name).toMatch(/^[A-Za-z0-9._-]+$/);
      const dataset = datasets.get(config.data.dataset.name);
      expect(dataset, `${name}: dataset ${config.data.dataset.name}`).toBeDefined();
      parseConfig(dataset!.schema, config.data.dataset.options, `${name}: data.dataset.options`);
      const inShape = config.data.dataset.name === 'image-folder' ? [300, 400, 3] : [32, 32, 3];
      for (const split of [config.data.train, ...Object.values(config.data.eval)]) {
        expect(() => compilePipeline(inShape, split.transforms as unknown as TransformSpec[]), name).not.toThrow();
      }
      for (const model of [config.models.student, config.models.teacher]) {
        if (model) expect(models.has(model.name ?? ''), `${name}: model ${model.name}`).toBe(true);
      }
      const trainer = trainers.get(config.trainer.type);
      expect(trainer, `${name}: trainer ${config.trainer.type}`).toBeDefined();
      parseConfig(trainer!.schema, trainerOwnOptions(config.trainer), `${name}: trainer`);
      for (const loss of config.trainer.losses) {
        const definition = losses.get(loss.name);
        expect(definition, `${name}: loss ${loss.name}`).toBeDefined();
        parseConfig(definition!.schema, loss.options, `${name}: trainer.losses.${loss.name}`);
      }
      for (const p of config.plugins) {
        const definition = plugins.get(p.name);
        expect(definition, `${name}: plugin ${p.name}`).toBeDefined();
        parseConfig(definition!.schema, p.options, `${name}: plugins.${p.name}`);
      }
    }
  });

  it('returns a fresh object each time', () => {
    const a = getPreset('cifar100/ikl-kd/res32x4-res8x4');
    (a.trainer as { epochs: number }).epochs = 1;
    expect(getPreset('cifar100/ikl-kd/res32x4-res8x4').trainer.epochs).toBe(240);
  });
});

describe('getPreset', () => {
  it('res32x4 -> res8x4 IKL-KD matches the released config (notes §5.1)', () => {
    const c = parse('cifar100/ikl-kd/res32x4-res8x4');
    expect(c.trainer.type).toBe('distillation');
    expect(c.trainer.epochs).toBe(240);
    expect(c.schedule).toMatchObject({ name: 'multistep', lr: 0.05, milestones: [150, 180, 210], gamma: 0.1 });
    expect(c.optimizer).toMatchObject({ name: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
    expect(c.data.train.batchSize).toBe(64);
    expect(c.data.eval['test']!.batchSize).toBe(64);
    expect(c.trainer.losses[0]!.name).toBe('ikl');
    expect(lossOptions(c)).toMatchObject({ preset: 'kd', softLabelWeight: 1, wmseWeight: 8, temperature: 4, warmup: 20, weightTemperature: 100, classPrior: false, ceWeight: 1 });
    expect(plugin(c, 'class-prior')).toBeUndefined();
    expect(c.models.student.name).toBe('resnet8x4');
    expect(c.models.teacher).toEqual({ name: 'resnet32x4', weights: 'pretrained/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.pth' });
    expect(c.data.dataset).toEqual({ name: 'cifar100', options: { dir: 'data/cifar-100-binary' } });
    expect(c.data.train.transforms).toEqual([
      { kind: 'random-crop', padding: 4 },
      { kind: 'random-flip' },
      { kind: 'normalize', mean: [0.5071, 0.4867, 0.4408], std: [0.2675, 0.2565, 0.2761] },
    ]);
  });

  it('GKL-KD res32x4 -> res8x4: BETA 16, gamma 0.05, GI with the prior from the teacher at T2 4', () => {
    const c = parse('cifar100/gkl-kd/res32x4-res8x4');
    expect(c.trainer.losses[0]!.name).toBe('gkl');
    expect(lossOptions(c)).toMatchObject({ softLabelWeight: 1, wmseWeight: 16, gamma: 0.05, classPrior: true, weightTemperature: 4, temperature: 4, warmup: 20, normalization: 'weights' });
    expect(plugin(c, 'class-prior')).toEqual({ source: 'teacherLogits', temperature: 4, momentum: 1 });
    const noGi = parse('cifar100/gkl-kd/wrn40_2-wrn_16_2');
    expect(lossOptions(noGi)).toMatchObject({ softLabelWeight: 3, wmseWeight: 20, gamma: 0.3, classPrior: false });
    expect(plugin(noGi, 'class-prior')).toBeUndefined();
  });

  it('other IKL pairs: lr, ALPHA and BETA per the table; model names mapped', () => {
    const mv2 = parse('cifar100/ikl-kd/vgg13-mv2');
    expect(mv2.schedule.lr).toBe(0.01);
    expect(lossOptions(mv2)).toMatchObject({ softLabelWeight: 4, wmseWeight: 12 });
    expect(mv2.models.student.name).toBe('mobile_half');
    expect(mv2.models.teacher).toEqual({ name: 'vgg13_bn', weights: 'pretrained/cifar_teachers/vgg13_vanilla/ckpt_epoch_240.pth' });
    expect(lossOptions(parse('cifar100/ikl-kd/res110-res32'))).toMatchObject({ softLabelWeight: 1, wmseWeight: 12 });
    expect(lossOptions(parse('cifar100/ikl-kd/wrn40_2-shuv1'))).toMatchObject({ softLabelWeight: 1, wmseWeight: 4 });
    expect(parse('cifar100/ikl-kd/res50-mv2').models.teacher!.weights).toBe('pretrained/cifar_teachers/ResNet50_vanilla/ckpt_epoch_240.pth');
  });

  it('KD and DKD baselines use mdistiller weights', () => {
    expect(lossOptions(parse('cifar100/kd/res32x4-res8x4'))).toEqual({ temperature: 4, weight: 0.9, ceWeight: 0.1, ceTarget: 'logits', warmup: 1 });
    expect(lossOptions(parse('cifar100/dkd/res32x4-res8x4'))).toEqual({ alpha: 1, beta: 8, temperature: 4, ceWeight: 1, warmup: 20 });
    expect(lossOptions(parse('cifar100/dkd/res56-res20'))).toMatchObject({ beta: 2 });
    expect(lossOptions(parse('cifar100/dkd/vgg13-vgg8'))).toMatchObject({ beta: 6 });
    expect(parse('cifar100/dkd/res32x4-shuv2').schedule.lr).toBe(0.01);
  });

  it('ImageNet pairs: batch 512, 100 epochs, lr 0.2, milestones [30, 60, 90], wd 1e-4', () => {
    for (const method of ['kd', 'dkd', 'ikl-kd', 'gkl-kd']) {
      for (const pair of ['r34-r18', 'r50-mv1']) {
        const c = parse(`imagenet/${method}/${pair}`);
        expect(c.data.train.batchSize).toBe(512);
        expect(c.trainer.epochs).toBe(100);
        expect(c.schedule).toMatchObject({ name: 'multistep', lr: 0.2, milestones: [30, 60, 90], gamma: 0.1 });
        expect(c.optimizer).toMatchObject({ weightDecay: 1e-4, momentum: 0.9 });
      }
    }
    const ikl = parse('imagenet/ikl-kd/r34-r18');
    expect(ikl.models.student.name).toBe('imagenet_resnet18');
    expect(ikl.models.teacher!.name).toBe('imagenet_resnet34');
    expect(lossOptions(ikl)).toMatchObject({ softLabelWeight: 1, wmseWeight: 0.5, classPrior: true, weightTemperature: 1, temperature: 1, warmup: 1 });
    expect(plugin(ikl, 'class-prior')).toEqual({ source: 'teacherLogits', temperature: 1, momentum: 1 });
    expect(lossOptions(parse('imagenet/ikl-kd/r50-mv1'))).toMatchObject({ softLabelWeight: 4, wmseWeight: 1 });
    expect(lossOptions(parse('imagenet/gkl-kd/r50-mv1'))).toMatchObject({ softLabelWeight: 4, wmseWeight: 1, gamma: 0.5, warmup: 5 });
    expect(lossOptions(parse('imagenet/dkd/r50-mv1'))).toMatchObject({ beta: 2, temperature: 1, warmup: 1 });
    expect(lossOptions(parse('imagenet/kd/r34-r18'))).toMatchObject({ temperature: 1, weight: 0.5, ceWeight: 0.5 });
    expect(parse('imagenet/kd/r50-mv1').models.student.name).toBe('MobileNetV1');
  });

  it('IKL-AT CIFAR-100: the recipe of notes §3', () => {
    const c = parse('cifar100/at/ikl-at');
    expect(c.models.student.name).toBe('wrn_34_10');
    expect(c.models.teacher).toBeUndefined();
    expect(c.data.train.batchSize).toBe(128);
    expect(c.data.train.transforms).toEqual([{ kind: 'random-crop', padding: 4 }, { kind: 'random-flip' }, { kind: 'to-float' }]);
    expect(c.trainer).toMatchObject({
      type: 'adversarial',
      epochs: 200,
      attack: { norm: 'linf', epsilon: 8 / 255, epsilonSchedule: 'linear', budget: 'high-as-run', randomStart: 'normal' },
      awp: { gamma: 0.005, warmupEpochs: 10, proxyLearningRate: 0.2 },
    });
    expect(c.schedule).toMatchObject({ name: 'cosine', lr: 0.2, variant: 'dkl-at' });
    expect(c.optimizer).toMatchObject({ name: 'sgd', momentum: 0.9, weightDecay: 5e-4, nesterov: false });
    expect(c.trainer.losses[0]!.name).toBe('ikl');
    expect(lossOptions(c)).toMatchObject({ preset: 'at', softLabelWeight: 5, wmseWeight: 20, classPrior: true, temperature: 1, ceTarget: 'reference' });
    expect(plugin(c, 'class-prior')).toEqual({ source: 'naturalLogits', temperature: 4, momentum: 1 });
    expect(plugin(c, 'weight-averaging')).toEqual({ every: 'epoch', decay: 0.9, startEpoch: 1 });
    expect(c.data.dataset).toEqual({ name: 'cifar100', options: { dir: 'data/cifar-100-binary' } });
  });

  it('CIFAR-10 AT, GKL-AT and TRADES settings', () => {
    const c10 = parse('cifar10/at/ikl-at');
    expect(c10.data.dataset).toEqual({ name: 'cifar10', options: { dir: 'data/cifar-10-batches-bin' } });
    expect(lossOptions(c10)).toMatchObject({ softLabelWeight: 4, wmseWeight: 20 });
    const g = parse('cifar100/at/gkl-at');
    expect(g.trainer.losses[0]!.name).toBe('gkl');
    expect(lossOptions(g)).toMatchObject({ softLabelWeight: 4, wmseWeight: 20, gamma: 0.4, normalization: 'weights' });
    expect(plugin(g, 'class-prior')).toMatchObject({ temperature: 1 });
    expect(plugin(parse('cifar10/at/gkl-at'), 'class-prior')).toMatchObject({ temperature: 4 });
    const t = parse('cifar100/at/trades');
    expect(t.trainer.losses).toEqual([{ name: 'trades', options: { beta: 9, ceWeight: 1, ceTarget: 'reference', warmup: 1 } }]);
    expect(plugin(t, 'class-prior')).toBeUndefined();
    expect(t.trainer.awp).toEqual({ gamma: 0.005, warmupEpochs: 10, proxyLearningRate: 0.2 });
  });

  it('unknown names throw a ConfigError listing the known presets', () => {
    let error: unknown;
    try {
      getPreset('cifar100/ikl-kd/res32x4-res8');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).keyPath).toBe('preset');
    expect((error as Error).message).toMatch(/unknown preset 'cifar100\/ikl-kd\/res32x4-res8'/);
    expect((error as Error).message).toContain('similar: cifar100/ikl-kd/res56-res20');
    expect((error as Error).message).toContain('cifar100/at/ikl-at');
  });
});
