/**
 * Knowledge-distillation presets: the 11 CIFAR-100 teacher/student pairs (KD, DKD, IKL-KD, GKL-KD)
 * and the two ImageNet pairs, built through the mdistiller mapping so that a preset and the
 * authors' YAML file give the same run config (paper-notes §5.1-5.3, §4.4-4.5).
 */
import { mdistillerToRunConfig, resolveMdistillerConfig } from '../mdistiller/to-run-config.js';
import type { MdistillerConfigInput } from '../mdistiller/defaults.js';
import { runNameOf, type PresetEntry } from './preset.js';

const DKL_REPO = 'github.com/jiequancui/DKL@c5e8ad2';
const MDISTILLER_REPO = 'github.com/megvii-research/mdistiller';

/** One CIFAR-100 pair with every method's published weights and the paper's top-1 (Tables 13-14). */
interface CifarPair {
  /** Preset slug, e.g. `res32x4-res8x4`. */
  readonly slug: string;
  /** The authors' config file stem, e.g. `res32x4_res8x4`. */
  readonly file: string;
  readonly teacher: string;
  readonly student: string;
  readonly lr: number;
  /** mdistiller's DKD BETA for this pair (configs/cifar100/dkd/*.yaml; the cfg default is 8). */
  readonly dkdBeta: number;
  readonly ikl: { readonly alpha: number; readonly beta: number };
  readonly gkl: { readonly alpha: number; readonly beta: number; readonly gamma: number; readonly gi: boolean };
  /** Paper top-1 (%): teacher, student alone, KD, DKD, IKL-KD. */
  readonly paper: readonly [number, number, number, number, number];
}

export const CIFAR100_PAIRS: readonly CifarPair[] = [
  { slug: 'res56-res20', file: 'res56_res20', teacher: 'resnet56', student: 'resnet20', lr: 0.05, dkdBeta: 2, ikl: { alpha: 1, beta: 4 }, gkl: { alpha: 1, beta: 4, gamma: 0.2, gi: true }, paper: [72.34, 69.06, 70.66, 71.97, 71.44] },
  { slug: 'res110-res32', file: 'res110_res32', teacher: 'resnet110', student: 'resnet32', lr: 0.05, dkdBeta: 2, ikl: { alpha: 1, beta: 12 }, gkl: { alpha: 1, beta: 4, gamma: 0.1, gi: false }, paper: [74.31, 71.14, 73.08, 74.11, 74.26] },
  { slug: 'res32x4-res8x4', file: 'res32x4_res8x4', teacher: 'resnet32x4', student: 'resnet8x4', lr: 0.05, dkdBeta: 8, ikl: { alpha: 1, beta: 8 }, gkl: { alpha: 1, beta: 16, gamma: 0.05, gi: true }, paper: [79.42, 72.5, 73.33, 76.32, 76.59] },
  { slug: 'wrn40_2-wrn_16_2', file: 'wrn40_2_wrn_16_2', teacher: 'wrn_40_2', student: 'wrn_16_2', lr: 0.05, dkdBeta: 6, ikl: { alpha: 3, beta: 12 }, gkl: { alpha: 3, beta: 20, gamma: 0.3, gi: false }, paper: [75.61, 73.26, 74.92, 76.24, 76.45] },
  { slug: 'wrn40_2-wrn_40_1', file: 'wrn40_2_wrn_40_1', teacher: 'wrn_40_2', student: 'wrn_40_1', lr: 0.05, dkdBeta: 6, ikl: { alpha: 1, beta: 8 }, gkl: { alpha: 1, beta: 12, gamma: 0.3, gi: false }, paper: [75.61, 71.98, 73.54, 74.81, 74.98] },
  { slug: 'vgg13-vgg8', file: 'vgg13_vgg8', teacher: 'vgg13', student: 'vgg8', lr: 0.05, dkdBeta: 6, ikl: { alpha: 1, beta: 12 }, gkl: { alpha: 1, beta: 8, gamma: 0.2, gi: true }, paper: [74.64, 70.36, 72.98, 74.68, 74.98] },
  { slug: 'res32x4-shuv1', file: 'res32x4_shuv1', teacher: 'resnet32x4', student: 'ShuffleV1', lr: 0.01, dkdBeta: 8, ikl: { alpha: 1, beta: 8 }, gkl: { alpha: 1, beta: 8, gamma: 0, gi: true }, paper: [79.42, 70.5, 74.07, 76.45, 76.64] },
  { slug: 'res32x4-shuv2', file: 'res32x4_shuv2', teacher: 'resnet32x4', student: 'ShuffleV2', lr: 0.01, dkdBeta: 8, ikl: { alpha: 3, beta: 12 }, gkl: { alpha: 3, beta: 12, gamma: 0.1, gi: true }, paper: [79.42, 71.82, 74.45, 77.07, 77.16] },
  { slug: 'wrn40_2-shuv1', file: 'wrn40_2_shuv1', teacher: 'wrn_40_2', student: 'ShuffleV1', lr: 0.01, dkdBeta: 8, ikl: { alpha: 1, beta: 4 }, gkl: { alpha: 1, beta: 8, gamma: 0, gi: false }, paper: [75.61, 70.5, 74.83, 76.7, 77.19] },
  { slug: 'vgg13-mv2', file: 'vgg13_mv2', teacher: 'vgg13', student: 'MobileNetV2', lr: 0.01, dkdBeta: 6, ikl: { alpha: 4, beta: 12 }, gkl: { alpha: 4, beta: 12, gamma: 0.1, gi: true }, paper: [74.64, 64.6, 67.37, 69.71, 70.4] },
  { slug: 'res50-mv2', file: 'res50_mv2', teacher: 'ResNet50', student: 'MobileNetV2', lr: 0.01, dkdBeta: 8, ikl: { alpha: 1, beta: 12 }, gkl: { alpha: 1, beta: 8, gamma: 0.05, gi: true }, paper: [79.34, 64.6, 67.35, 70.35, 70.62] },
];

/** The CIFAR-100 solver of every released config: batch 64, 240 epochs, x0.1 at 150/180/210, wd 5e-4. */
export const cifarSolver = (lr: number) => ({
  BATCH_SIZE: 64,
  EPOCHS: 240,
  LR: lr,
  LR_DECAY_STAGES: [150, 180, 210],
  LR_DECAY_RATE: 0.1,
  WEIGHT_DECAY: 0.0005,
  MOMENTUM: 0.9,
  TYPE: 'SGD',
});

/** A preset built through the mdistiller mapping, so the preset and the equivalent YAML file give the same run config. */
export function mdistillerPreset(name: string, description: string, source: string, input: MdistillerConfigInput): PresetEntry {
  return {
    name,
    description,
    source,
    build: () => mdistillerToRunConfig(resolveMdistillerConfig(structuredClone(input), `preset ${name}: `), { name: runNameOf(name), description }),
  };
}

function cifarPairPresets(p: CifarPair): PresetEntry[] {
  const [tAcc, sAcc, kdAcc, dkdAcc, iklAcc] = p.paper;
  const pair = `${p.teacher} -> ${p.student}`;
  const distiller = (TYPE: string) => ({ TYPE, TEACHER: p.teacher, STUDENT: p.student });
  const base = `CIFAR-100 ${pair} (teacher ${tAcc}%, student alone ${sAcc}%), lr ${p.lr}, batch 64, 240 epochs`;
  return [
    mdistillerPreset(
      `cifar100/kd/${p.slug}`,
      `KD baseline, ${base}: mdistiller's KD (T 4, CE weight 0.1, KD weight 0.9). Paper Table 13/14 KD: ${kdAcc}%.`,
      `${MDISTILLER_REPO} engine/cfg.py KD defaults + configs/cifar100/kd.yaml solver (lr per configs/cifar100/dkd/${p.file}.yaml)`,
      { EXPERIMENT: { TAG: `kd,${p.slug}`, PROJECT: 'cifar100_baselines' }, DISTILLER: distiller('KD'), SOLVER: cifarSolver(p.lr), KD: { TEMPERATURE: 4, LOSS: { CE_WEIGHT: 0.1, KD_WEIGHT: 0.9 } } },
    ),
    mdistillerPreset(
      `cifar100/dkd/${p.slug}`,
      `DKD baseline, ${base}: CE 1, alpha 1, beta ${p.dkdBeta}, T 4, warm-up 20 (mdistiller's released config). Paper Table 13/14 DKD: ${dkdAcc}%.`,
      `${MDISTILLER_REPO} configs/cifar100/dkd/${p.file}.yaml`,
      { EXPERIMENT: { TAG: `dkd,${p.slug}`, PROJECT: 'cifar100_baselines' }, DISTILLER: distiller('DKD'), SOLVER: cifarSolver(p.lr), DKD: { CE_WEIGHT: 1, ALPHA: 1, BETA: p.dkdBeta, T: 4, WARMUP: 20 } },
    ),
    mdistillerPreset(
      `cifar100/ikl-kd/${p.slug}`,
      `IKL-KD (NeurIPS 2024), ${base}: ALPHA ${p.ikl.alpha} (softLabelWeight), BETA ${p.ikl.beta} (wmseWeight), T 4, warm-up 20, T2 100 and GI off (cfg.py defaults, as released). Paper Table 13/14 IKL-KD: ${iklAcc}%.`,
      `${DKL_REPO} DKLv1/KD-dkl/configs/cifar100/ikl_kd/${p.file}.yaml`,
      {
        EXPERIMENT: { TAG: `ikl,${p.slug}`, PROJECT: 'cifar100' },
        DISTILLER: distiller('IKL_KD'),
        SOLVER: cifarSolver(p.lr),
        IKL_KD: { NUM_CLASSES: 100, ALPHA: p.ikl.alpha, BETA: p.ikl.beta, T: 4, WARMUP: 20 },
      },
    ),
    mdistillerPreset(
      `cifar100/gkl-kd/${p.slug}`,
      `GKL-KD (TPAMI), ${base}: ALPHA ${p.gkl.alpha}, BETA ${p.gkl.beta}, gamma ${p.gkl.gamma}, GI ${p.gkl.gi ? 'on' : 'off'}, T 4, T2 4, warm-up 20 (the authors' DKLv2 config; no per-pair GKL number is published).`,
      `${DKL_REPO} DKLv2/KD-dkl/cifar100_config_gkl/${p.file}.yaml`,
      {
        EXPERIMENT: { TAG: `gkl,${p.slug}`, PROJECT: 'cifar100_final' },
        DISTILLER: distiller('GKL_KD'),
        SOLVER: cifarSolver(p.lr),
        GKL_KD: { NUM_CLASSES: 100, ALPHA: p.gkl.alpha, BETA: p.gkl.beta, GAMMA: p.gkl.gamma, T2: 4, GI: p.gkl.gi, T: 4, WARMUP: 20 },
      },
    ),
  ];
}

interface ImagenetPair {
  readonly slug: string;
  readonly dir: string;
  readonly teacher: string;
  readonly student: string;
  readonly workers: number;
  readonly dkdBeta: number;
  readonly ikl: { readonly alpha: number; readonly beta: number };
  readonly gkl: { readonly alpha: number; readonly beta: number; readonly gamma: number };
  /** Paper Table 4 top-1 (%): teacher, student, KD, DKD, IKL-KD; GKL-KD from the DKLv2 README. */
  readonly paper: readonly [number, number, number, number, number, number];
}

const IMAGENET_PAIRS: readonly ImagenetPair[] = [
  { slug: 'r34-r18', dir: 'r34_r18', teacher: 'ResNet34', student: 'ResNet18', workers: 32, dkdBeta: 0.5, ikl: { alpha: 1, beta: 0.5 }, gkl: { alpha: 1, beta: 0.5, gamma: 0.6 }, paper: [73.31, 69.75, 71.03, 71.7, 71.91, 71.91] },
  { slug: 'r50-mv1', dir: 'r50_mv1', teacher: 'ResNet50', student: 'MobileNetV1', workers: 48, dkdBeta: 2, ikl: { alpha: 4, beta: 1 }, gkl: { alpha: 4, beta: 1, gamma: 0.5 }, paper: [76.16, 68.87, 70.5, 72.05, 72.84, 72.92] },
];

const imagenetSolver = {
  BATCH_SIZE: 512,
  EPOCHS: 100,
  LR: 0.2,
  LR_DECAY_STAGES: [30, 60, 90],
  LR_DECAY_RATE: 0.1,
  WEIGHT_DECAY: 0.0001,
  MOMENTUM: 0.9,
  TYPE: 'SGD',
};

function imagenetPairPresets(p: ImagenetPair): PresetEntry[] {
  const [tAcc, sAcc, kdAcc, dkdAcc, iklAcc, gklAcc] = p.paper;
  const distiller = (TYPE: string) => ({ TYPE, TEACHER: p.teacher, STUDENT: p.student });
  const dataset = { TYPE: 'imagenet', NUM_WORKERS: p.workers, TEST: { BATCH_SIZE: 128 } };
  const log = { TENSORBOARD_FREQ: 50, SAVE_CHECKPOINT_FREQ: 10 };
  const base = `ImageNet ${p.teacher} (${tAcc}%) -> ${p.student} (${sAcc}%), batch 512, 100 epochs, lr 0.2 x0.1 at 30/60/90, wd 1e-4 (the authors used 8 GPUs); RandomResizedCrop(224) + flip, Resize(256) + CenterCrop(224)`;
  return [
    mdistillerPreset(
      `imagenet/kd/${p.slug}`,
      `KD baseline, ${base}: T 1, CE 0.5, KD 0.5 (mdistiller). Paper Table 4 KD: ${kdAcc}%.`,
      `${MDISTILLER_REPO} configs/imagenet/${p.dir}/kd.yaml`,
      { EXPERIMENT: { TAG: `kd,${p.slug}`, PROJECT: 'imagenet_baselines' }, DATASET: dataset, DISTILLER: distiller('KD'), SOLVER: imagenetSolver, LOG: log, KD: { TEMPERATURE: 1, LOSS: { CE_WEIGHT: 0.5, KD_WEIGHT: 0.5 } } },
    ),
    mdistillerPreset(
      `imagenet/dkd/${p.slug}`,
      `DKD baseline, ${base}: CE 1, alpha 1, beta ${p.dkdBeta}, T 1, no warm-up (mdistiller). Paper Table 4 DKD: ${dkdAcc}%.`,
      `${MDISTILLER_REPO} configs/imagenet/${p.dir}/dkd.yaml`,
      { EXPERIMENT: { TAG: `dkd,${p.slug}`, PROJECT: 'imagenet_baselines' }, DATASET: dataset, DISTILLER: distiller('DKD'), SOLVER: imagenetSolver, LOG: log, DKD: { CE_WEIGHT: 1, BETA: p.dkdBeta, T: 1, WARMUP: 1 } },
    ),
    mdistillerPreset(
      `imagenet/ikl-kd/${p.slug}`,
      `IKL-KD, ${base}: ALPHA ${p.ikl.alpha}, BETA ${p.ikl.beta}, GI on, T2 1, T 1, no warm-up. Paper Table 4 IKL-KD: ${iklAcc}%.`,
      `${DKL_REPO} DKLv1/KD-dkl/configs/imagenet/${p.dir}/ikl_kd.yaml`,
      { EXPERIMENT: { TAG: `ikl_kd,${p.slug}`, PROJECT: 'imagenet' }, DATASET: dataset, DISTILLER: distiller('IKL_KD'), SOLVER: imagenetSolver, LOG: log, IKL_KD: { ALPHA: p.ikl.alpha, BETA: p.ikl.beta, GI: true, T2: 1 } },
    ),
    mdistillerPreset(
      `imagenet/gkl-kd/${p.slug}`,
      `GKL-KD, ${base}: ALPHA ${p.gkl.alpha}, BETA ${p.gkl.beta}, gamma ${p.gkl.gamma}, GI on, T2 1, T 1, warm-up 5 (cfg default). DKLv2 README: ${gklAcc}%.`,
      `${DKL_REPO} DKLv2/KD-dkl/imagenet_config_gkl/${p.slug === 'r34-r18' ? 'r34_r18_ikl_kd' : 'r50_mv_gkl_kd'}.yaml`,
      { EXPERIMENT: { TAG: `gkl_kd,${p.slug}`, PROJECT: 'imagenet' }, DATASET: dataset, DISTILLER: distiller('GKL_KD'), SOLVER: imagenetSolver, LOG: log, GKL_KD: { ALPHA: p.gkl.alpha, BETA: p.gkl.beta, GAMMA: p.gkl.gamma, GI: true, T2: 1 } },
    ),
  ];
}

/** Every KD preset: 44 CIFAR-100 and 8 ImageNet. */
export function kdPresets(): PresetEntry[] {
  return [...CIFAR100_PAIRS.flatMap(cifarPairPresets), ...IMAGENET_PAIRS.flatMap(imagenetPairPresets)];
}
