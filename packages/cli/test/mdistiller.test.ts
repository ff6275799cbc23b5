import { ConfigError, parseConfig } from '@dkl/core';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runConfigSchema, type RunConfig } from '../src/config/run-config.js';
import { parseMdistillerConfig } from '../src/mdistiller/index.js';
import { getPreset } from '../src/presets/index.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/mdistiller/${name}`, import.meta.url));
const load = (name: string, options = {}): RunConfig => {
  const file = fixture(name);
  return parseConfig(runConfigSchema, parseMdistillerConfig(readFileSync(file, 'utf8'), file, options), name);
};
const lossOf = (c: RunConfig) => c.trainer.losses[0]!;
const pluginNames = (c: RunConfig) => c.plugins.map((p) => p.name);

/** The ConfigError thrown by `fn` (fails the test if none). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const IKL_BASE = `
DISTILLER:
  TYPE: "IKL_KD"
  TEACHER: "resnet32x4"
  STUDENT: "resnet8x4"
`;

describe('parseMdistillerConfig: the authors\' published CIFAR-100 IKL-KD configs', () => {
  it('res32x4_res8x4: lr 0.05, ALPHA 1, BETA 8, T 4, warm-up 20; cfg.py defaults GI False, T2 100, CE 1', () => {
    const c = load('ikl_kd_res32x4_res8x4.yaml');
    expect(c.name).toBe('ikl-res32x4-res8x4');
    expect(c.trainer).toMatchObject({ type: 'distillation', epochs: 240 });
    expect(lossOf(c)).toEqual({
      name: 'ikl',
      options: { preset: 'kd', temperature: 4, softLabelWeight: 1, wmseWeight: 8, weightTemperature: 100, gamma: 1, normalization: 'batch', classPrior: false, ceWeight: 1, warmup: 20 },
    });
    expect(c.schedule).toMatchObject({ name: 'multistep', lr: 0.05, milestones: [150, 180, 210], gamma: 0.1 });
    expect(c.optimizer).toEqual({ name: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 0.0005 });
    expect(c.data.train).toMatchObject({ split: 'train', batchSize: 64, shuffle: true });
    expect(c.data.eval['test']).toMatchObject({ split: 'test', batchSize: 64 });
    expect(c.data.dataset).toEqual({ name: 'cifar100', options: { dir: 'data/cifar-100-binary' } });
    expect(c.models).toEqual({ student: { name: 'resnet8x4' }, teacher: { name: 'resnet32x4', weights: 'pretrained/cifar_teachers/resnet32x4_vanilla/ckpt_epoch_240.pth' } });
    expect(pluginNames(c)).not.toContain('class-prior');
    expect(c.description).toContain('ikl_kd_res32x4_res8x4.yaml');
  });

  it('wrn40_2_wrn_16_2: ALPHA 3, BETA 12', () => {
    const c = load('ikl_kd_wrn40_2_wrn_16_2.yaml');
    expect(lossOf(c).options).toMatchObject({ softLabelWeight: 3, wmseWeight: 12, temperature: 4, warmup: 20, weightTemperature: 100 });
    expect(c.models.student.name).toBe('wrn_16_2');
    expect(c.models.teacher!.weights).toBe('pretrained/cifar_teachers/wrn_40_2_vanilla/ckpt_epoch_240.pth');
    expect(c.schedule.lr).toBe(0.05);
  });

  it('vgg13_mv2: lr 0.01, ALPHA 4, BETA 12, vgg13 -> vgg13_bn and MobileNetV2 -> mobile_half', () => {
    const c = load('ikl_kd_vgg13_mv2.yaml', { dataDir: '/datasets/c100' });
    expect(c.schedule.lr).toBe(0.01);
    expect(lossOf(c).options).toMatchObject({ softLabelWeight: 4, wmseWeight: 12 });
    expect(c.models.student.name).toBe('mobile_half');
    expect(c.models.teacher).toEqual({ name: 'vgg13_bn', weights: 'pretrained/cifar_teachers/vgg13_vanilla/ckpt_epoch_240.pth' });
    expect(c.data.dataset.options).toEqual({ dir: '/datasets/c100' });
  });

  it('the YAML files and the presets give the same run config (apart from naming)', () => {
    for (const [file, preset] of [
      ['ikl_kd_res32x4_res8x4.yaml', 'cifar100/ikl-kd/res32x4-res8x4'],
      ['ikl_kd_vgg13_mv2.yaml', 'cifar100/ikl-kd/vgg13-mv2'],
      ['gkl_kd_res32x4_res8x4.yaml', 'cifar100/gkl-kd/res32x4-res8x4'],
      ['dkd_wrn40_2_wrn_16_2.yaml', 'cifar100/dkd/wrn40_2-wrn_16_2'],
      ['kd_res32x4_res8x4.yaml', 'cifar100/kd/res32x4-res8x4'],
      ['ikl_kd_imagenet_r34_r18.yaml', 'imagenet/ikl-kd/r34-r18'],
    ] as const) {
      const { name: _a, description: _b, ...fromYaml } = load(file);
      const { name: _c, description: _d, ...fromPreset } = parseConfig(runConfigSchema, getPreset(preset));
      expect(fromYaml, file).toEqual(fromPreset);
    }
  });
});

describe('parseMdistillerConfig: other distillers', () => {
  it('GKL_KD with GI: gamma, T2, normalisation by the weights, and a class-prior plugin at T2', () => {
    const c = load('gkl_kd_res32x4_res8x4.yaml');
    expect(lossOf(c)).toEqual({
      name: 'gkl',
      options: { preset: 'kd', temperature: 4, softLabelWeight: 1, wmseWeight: 16, weightTemperature: 4, gamma: 0.05, normalization: 'weights', classPrior: true, ceWeight: 1, warmup: 20 },
    });
    expect(c.plugins[0]).toEqual({ name: 'class-prior', options: { source: 'teacherLogits', temperature: 4, momentum: 1 } });
  });

  it('DKD: BETA from the file, CE 1 / ALPHA 1 / T 4 / WARMUP 20 from cfg.py', () => {
    const c = load('dkd_wrn40_2_wrn_16_2.yaml');
    expect(lossOf(c)).toEqual({ name: 'dkd', options: { alpha: 1, beta: 6, temperature: 4, ceWeight: 1, warmup: 20 } });
  });

  it('KD: T 4, CE 0.1, KD 0.9 from cfg.py', () => {
    const c = load('kd_res32x4_res8x4.yaml');
    expect(lossOf(c)).toEqual({ name: 'kd', options: { temperature: 4, weight: 0.9, ceWeight: 0.1, ceTarget: 'logits', warmup: 1 } });
  });

  it("KD.MUTUAL (the authors' vgg13 -> vgg8 config): the CE on the frozen teacher's logits, as their code computes it", () => {
    const c = load('kd_mutual_vgg13_vgg8.yaml');
    expect(lossOf(c)).toEqual({ name: 'kd', options: { temperature: 4, weight: 1, ceWeight: 1, ceTarget: 'reference', warmup: 1 } });
    expect(c.models.teacher).toMatchObject({ name: 'vgg13_bn' });
  });

  it('ImageNet IKL: image folders, 224 px, GI with T2 1, val split, ImageNet model names', () => {
    const c = load('ikl_kd_imagenet_r34_r18.yaml');
    expect(c.data.dataset).toEqual({ name: 'image-folder', options: { root: 'data/imagenet', channels: 3 } });
    expect(c.data.eval['val']).toMatchObject({ split: 'val', batchSize: 128 });
    expect(c.data.train.batchSize).toBe(512);
    expect(c.models.teacher).toEqual({ name: 'imagenet_resnet34', weights: 'pretrained/imagenet_teachers/resnet34-333f7ec4.pth' });
    expect(lossOf(c).options).toMatchObject({ softLabelWeight: 1, wmseWeight: 0.5, classPrior: true, weightTemperature: 1, temperature: 1, warmup: 1 });
    expect(c.plugins.find((p) => p.name === 'checkpoint')!.options).toMatchObject({ archiveEvery: 10 });
  });

  it('NONE: a supervised run of the student with CE', () => {
    const c = parseConfig(runConfigSchema, parseMdistillerConfig('DISTILLER:\n  TYPE: NONE\n  STUDENT: resnet20\n', 'vanilla.yaml'));
    expect(c.trainer).toMatchObject({ type: 'supervised', losses: [{ name: 'ce', options: {} }] });
    expect(c.models.teacher).toBeUndefined();
    expect(c.models.student.name).toBe('resnet20');
  });
});

describe('parseMdistillerConfig: feature distillers (@dkl/distillers)', () => {
  it.each([
    ['fitnet', { hintLayer: 2, ceWeight: 1, weight: 100 }],
    ['at', { p: 2, ceWeight: 1, weight: 1000 }],
    ['rkd', { distanceWeight: 25, angleWeight: 50, eps: 1e-12, squared: false, ceWeight: 1, weight: 1 }],
    ['pkt', { ceWeight: 1, weight: 30000 }],
    ['sp', { ceWeight: 1, weight: 3000 }],
    ['vid', { initPredVar: 5, eps: 1e-5, ceWeight: 1, weight: 1 }],
    ['nst', { ceWeight: 1, weight: 50 }],
    ['kdsvd', { k: 1, ceWeight: 1, weight: 1 }],
    ['ofd', { kernelSize: 1, ceWeight: 1, weight: 0.001 }],
  ])('%s: the section of cfg.py with its defaults, weight decay 5e-4 from the file', (name, options) => {
    const c = load(`${name}_res32x4_res8x4.yaml`);
    expect(c.trainer.type).toBe('distillation');
    expect(lossOf(c)).toEqual({ name, options });
    expect(c.optimizer).toMatchObject({ weightDecay: 0.0005 });
  });

  it('a section overrides the defaults (FEAT_WEIGHT, P, HINT_LAYER, PDIST)', () => {
    const base = (type: string) => `DISTILLER:\n  TYPE: ${type}\n  TEACHER: resnet32x4\n  STUDENT: resnet8x4\n`;
    expect(lossOf(parseConfig(runConfigSchema, parseMdistillerConfig(`${base('AT')}AT:\n  P: 4\n  LOSS:\n    FEAT_WEIGHT: 500.0\n`, 'a.yaml'), ''))).toEqual({ name: 'at', options: { p: 4, ceWeight: 1, weight: 500 } });
    expect(lossOf(parseConfig(runConfigSchema, parseMdistillerConfig(`${base('FITNET')}FITNET:\n  HINT_LAYER: 1\n`, 'a.yaml'), '')).options).toMatchObject({ hintLayer: 1 });
    expect(lossOf(parseConfig(runConfigSchema, parseMdistillerConfig(`${base('RKD')}RKD:\n  PDIST:\n    SQUARED: True\n`, 'a.yaml'), '')).options).toMatchObject({ squared: true });
  });

  it("REVIEWKD: the authors' weight 5, cfg.py's warm-up 20 and layout; ImageNet r34 -> r18 with its own layout and STU_PREACT", () => {
    expect(lossOf(load('reviewkd_res32x4_res8x4.yaml'))).toEqual({
      name: 'reviewkd',
      options: { warmup: 20, stuPreact: false, inChannels: [64, 128, 256, 256], outChannels: [64, 128, 256, 256], shapes: [1, 8, 16, 32], outShapes: [1, 8, 16, 32], ceWeight: 1, weight: 5 },
    });
    expect(lossOf(load('reviewkd_imagenet_r34_r18.yaml')).options).toMatchObject({ warmup: 1, stuPreact: true, inChannels: [64, 128, 256, 512, 512], shapes: [1, 7, 14, 28, 56] });
  });

  it("CRD: cfg.py's NCE and embedding defaults, mdistiller's crd trainer; ImageNet r50 -> mv1 with its feature widths", () => {
    const c = load('crd_res32x4_res8x4.yaml');
    expect(c.trainer.type).toBe('distillation');
    expect(lossOf(c)).toEqual({ name: 'crd', options: { mode: 'exact', featDim: 128, studentDim: 256, teacherDim: 256, k: 16384, momentum: 0.5, temperature: 0.07, ceWeight: 1, weight: 0.8 } });
    expect(lossOf(load('crd_imagenet_r50_mv1.yaml')).options).toMatchObject({ studentDim: 1024, teacherDim: 2048 });
  });

  it("OFD ImageNet r50 -> mv1: the authors' FEAT_WEIGHT 1e-4 and batch 128", () => {
    const c = load('ofd_imagenet_r50_mv1.yaml');
    expect(lossOf(c)).toEqual({ name: 'ofd', options: { kernelSize: 1, ceWeight: 1, weight: 0.0001 } });
    expect(c.models.student).toMatchObject({ name: 'MobileNetV1' });
  });

  it('ImageNet AT (r34 -> r18)', () => {
    const c = load('at_imagenet_r34_r18.yaml');
    expect(lossOf(c)).toEqual({ name: 'at', options: { p: 2, ceWeight: 1, weight: 1000 } });
    expect(c.models.student).toMatchObject({ name: 'imagenet_resnet18' });
  });
});

describe('parseMdistillerConfig: errors', () => {
  it('an unknown key names its path and lists the section\'s allowed keys', () => {
    const e = configError(() => parseMdistillerConfig(`${IKL_BASE}IKL_KD:\n  T3: 4.0\n`, 'bad.yaml'));
    expect(e.keyPath).toBe('IKL_KD.T3');
    expect(e.message).toContain('bad.yaml');
    expect(e.message).toMatch(/allowed keys of IKL_KD: WARMUP, NUM_CLASSES, CE_WEIGHT, T, ALPHA, BETA, T2, GI/);
  });

  it('nested and top-level unknown keys', () => {
    expect(configError(() => parseMdistillerConfig('DATASET:\n  TEST:\n    BATCH: 3\n', 'a.yaml')).keyPath).toBe('DATASET.TEST.BATCH');
    const top = configError(() => parseMdistillerConfig('SOLVERS:\n  LR: 1\n', 'a.yaml'));
    expect(top.keyPath).toBe('SOLVERS');
    expect(top.message).toMatch(/allowed keys of the top level: EXPERIMENT, DATASET, DISTILLER, SOLVER, LOG, KD, AT, RKD, FITNET, NST, PKT, SP, VID, KDSVD, OFD, CRD, REVIEWKD, DKD, IKL_KD, GKL_KD/);
    const dot = configError(() => parseMdistillerConfig('DOT:\n  DELTA: 0.075\n', 'a.yaml'));
    expect(dot.keyPath).toBe('DOT');
    expect(dot.message).toMatch(/does not implement/);
  });

  it('wrong types and values name the key', () => {
    expect(configError(() => parseMdistillerConfig(`${IKL_BASE}IKL_KD:\n  ALPHA: "one"\n`, 'a.yaml')).keyPath).toBe('IKL_KD.ALPHA');
    expect(configError(() => parseMdistillerConfig(`${IKL_BASE}IKL_KD:\n  GI: 1\n`, 'a.yaml')).keyPath).toBe('IKL_KD.GI');
    expect(configError(() => parseMdistillerConfig(`${IKL_BASE}SOLVER:\n  BATCH_SIZE: 6.5\n`, 'a.yaml')).keyPath).toBe('SOLVER.BATCH_SIZE');
    expect(configError(() => parseMdistillerConfig(`${IKL_BASE}SOLVER:\n  LR: 0\n`, 'a.yaml')).message).toMatch(/must be > 0/);
    expect(configError(() => parseMdistillerConfig(`${IKL_BASE}SOLVER:\n  LR_DECAY_STAGES: [150, x]\n`, 'a.yaml')).keyPath).toBe('SOLVER.LR_DECAY_STAGES[1]');
    expect(configError(() => parseMdistillerConfig(`${IKL_BASE}SOLVER:\n  TYPE: ADAM\n`, 'a.yaml')).message).toMatch(/one of 'SGD'/);
    expect(configError(() => parseMdistillerConfig(`${IKL_BASE}IKL_KD:\n  NUM_CLASSES: 10\n`, 'a.yaml')).keyPath).toBe('IKL_KD.NUM_CLASSES');
  });

  it('unsupported distillers, unknown models and invalid YAML', () => {
    const type = configError(() => parseMdistillerConfig('DISTILLER:\n  TYPE: DOT\n', 'a.yaml'));
    expect(type.keyPath).toBe('DISTILLER.TYPE');
    expect(type.message).toMatch(/'NONE', 'KD', 'DKD', 'IKL_KD', 'GKL_KD'/);
    const student = configError(() => parseMdistillerConfig('DISTILLER:\n  TYPE: KD\n  TEACHER: resnet32x4\n  STUDENT: resnet9\n', 'a.yaml'));
    expect(student.keyPath).toBe('DISTILLER.STUDENT');
    expect(student.message).toMatch(/unknown cifar100 model 'resnet9'; known: .*resnet8x4/);
    const teacher = configError(() => parseMdistillerConfig('DISTILLER:\n  TYPE: KD\n  TEACHER: resnet20\n  STUDENT: resnet8\n', 'a.yaml'));
    expect(teacher.keyPath).toBe('DISTILLER.TEACHER');
    expect(teacher.message).toMatch(/no released CIFAR-100 teacher/);
    expect(configError(() => parseMdistillerConfig('SOLVER:\n  LR: [1\n', 'broken.yaml')).message).toMatch(/broken\.yaml: invalid YAML/);
    expect(configError(() => parseMdistillerConfig('SOLVER:\n  LR: 1\nSOLVER:\n  LR: 2\n', 'dup.yaml')).message).toMatch(/invalid YAML/);
    expect(configError(() => parseMdistillerConfig('- 1\n- 2\n', 'list.yaml')).message).toMatch(/mapping of sections/);
  });
});
