/**
 * The keys and defaults of mdistiller's `engine/cfg.py`, with the sections the DKL authors added
 * (`IKL_KD` in DKLv1, `GKL_KD` in DKLv2, `KD.MUTUAL`). Only the sections of distillers dkl
 * implements are listed; see paper-notes §5 for where the numbers come from.
 */
import { bool, int, intList, num, str, type Resolved } from './yacs-tree.js';

/** `DISTILLER.TYPE` values dkl can run. */
export const SUPPORTED_DISTILLERS = ['NONE', 'KD', 'DKD', 'IKL_KD', 'GKL_KD', 'FITNET', 'AT', 'RKD', 'PKT', 'SP', 'VID', 'NST', 'REVIEWKD', 'CRD', 'KDSVD', 'OFD'] as const;
export type MdistillerDistiller = (typeof SUPPORTED_DISTILLERS)[number];

/** mdistiller sections of distillers dkl does not implement (refused with a specific message). */
export const UNSUPPORTED_SECTIONS = ['DOT'] as const;

/** `LOSS: { CE_WEIGHT, FEAT_WEIGHT }` of a feature distiller. */
function featLoss(featWeight: number) {
  return { CE_WEIGHT: num(1, { min: 0 }), FEAT_WEIGHT: num(featWeight, { min: 0 }) };
}

export const MDISTILLER_TREE = {
  EXPERIMENT: { PROJECT: str('distill'), NAME: str(''), TAG: str('default') },
  DATASET: {
    TYPE: str('cifar100', ['cifar100', 'imagenet']),
    NUM_WORKERS: int(2, { min: 0 }),
    TEST: { BATCH_SIZE: int(64, { min: 1 }) },
  },
  DISTILLER: { TYPE: str('NONE', SUPPORTED_DISTILLERS), TEACHER: str('ResNet50'), STUDENT: str('resnet32') },
  SOLVER: {
    /** `crd` is mdistiller's trainer that hands CRD its indices; dkl's distillation trainer always does. */
    TRAINER: str('base', ['base', 'crd']),
    BATCH_SIZE: int(64, { min: 1 }),
    EPOCHS: int(240, { min: 1 }),
    LR: num(0.05, { min: 0, exclusive: true }),
    LR_DECAY_STAGES: intList([150, 180, 210], { min: 1 }),
    LR_DECAY_RATE: num(0.1, { min: 0, exclusive: true }),
    WEIGHT_DECAY: num(0.0001, { min: 0 }),
    MOMENTUM: num(0.9, { min: 0 }),
    TYPE: str('SGD', ['SGD']),
  },
  LOG: { TENSORBOARD_FREQ: int(500, { min: 0 }), SAVE_CHECKPOINT_FREQ: int(40, { min: 0 }), PREFIX: str('./output'), WANDB: bool(false) },
  KD: {
    TEMPERATURE: num(4, { min: 0, exclusive: true }),
    LOSS: { CE_WEIGHT: num(0.1, { min: 0 }), KD_WEIGHT: num(0.9, { min: 0 }) },
    /** Authors' addition: the CE on the teacher's logits instead of the student's (see to-run-config). */
    MUTUAL: bool(false),
  },
  /** Feature distillers (mdistiller cfg.py), mapped onto @dkl/distillers. */
  AT: { P: num(2, { min: 0, exclusive: true }), LOSS: featLoss(1000) },
  RKD: {
    DISTANCE_WEIGHT: num(25, { min: 0 }),
    ANGLE_WEIGHT: num(50, { min: 0 }),
    LOSS: featLoss(1),
    PDIST: { EPSILON: num(1e-12, { min: 0, exclusive: true }), SQUARED: bool(false) },
  },
  FITNET: { HINT_LAYER: int(2, { min: 0 }), INPUT_SIZE: intList([32, 32], { min: 1 }), LOSS: featLoss(100) },
  NST: { LOSS: featLoss(50) },
  PKT: { LOSS: featLoss(30000) },
  SP: { LOSS: featLoss(3000) },
  VID: { LOSS: featLoss(1), EPS: num(1e-5, { min: 0, exclusive: true }), INIT_PRED_VAR: num(5, { min: 0, exclusive: true }), INPUT_SIZE: intList([32, 32], { min: 1 }) },
  KDSVD: { K: int(1, { min: 1 }), LOSS: featLoss(1) },
  OFD: { LOSS: featLoss(0.001), CONNECTOR: { KERNEL_SIZE: int(1, { min: 1 }) } },
  CRD: {
    MODE: str('exact', ['exact', 'relax']),
    FEAT: { DIM: int(128, { min: 1 }), STUDENT_DIM: int(256, { min: 1 }), TEACHER_DIM: int(256, { min: 1 }) },
    LOSS: { CE_WEIGHT: num(1, { min: 0 }), FEAT_WEIGHT: num(0.8, { min: 0 }) },
    NCE: { K: int(16384, { min: 1 }), MOMENTUM: num(0.5, { min: 0 }), TEMPERATURE: num(0.07, { min: 0, exclusive: true }) },
  },
  REVIEWKD: {
    CE_WEIGHT: num(1, { min: 0 }),
    REVIEWKD_WEIGHT: num(1, { min: 0 }),
    WARMUP_EPOCHS: num(20, { min: 0, exclusive: true }),
    SHAPES: intList([1, 8, 16, 32], { min: 1 }),
    OUT_SHAPES: intList([1, 8, 16, 32], { min: 1 }),
    IN_CHANNELS: intList([64, 128, 256, 256], { min: 1 }),
    OUT_CHANNELS: intList([64, 128, 256, 256], { min: 1 }),
    /** Read but unused, as in the reference (its ABFs use min(512, IN_CHANNELS[-1])). */
    MAX_MID_CHANNEL: int(512, { min: 1 }),
    STU_PREACT: bool(false),
  },
  DKD: {
    CE_WEIGHT: num(1, { min: 0 }),
    ALPHA: num(1, { min: 0 }),
    BETA: num(8, { min: 0 }),
    T: num(4, { min: 0, exclusive: true }),
    WARMUP: num(20, { min: 0, exclusive: true }),
  },
  /** DKLv1 cfg.py: note GI False and T2 100 (the released CIFAR-100 configs rely on both). */
  IKL_KD: {
    WARMUP: num(1, { min: 0, exclusive: true }),
    NUM_CLASSES: int(1000, { min: 1 }),
    CE_WEIGHT: num(1, { min: 0 }),
    T: num(1, { min: 0, exclusive: true }),
    ALPHA: num(1, { min: 0 }),
    BETA: num(1, { min: 0 }),
    T2: num(100, { min: 0, exclusive: true }),
    GI: bool(false),
  },
  /** DKLv2 cfg.py. */
  GKL_KD: {
    WARMUP: num(5, { min: 0, exclusive: true }),
    NUM_CLASSES: int(1000, { min: 1 }),
    CE_WEIGHT: num(1, { min: 0 }),
    T: num(1, { min: 0, exclusive: true }),
    ALPHA: num(1, { min: 0 }),
    BETA: num(1, { min: 0 }),
    GAMMA: num(1, { min: 0 }),
    T2: num(1, { min: 0, exclusive: true }),
    GI: bool(true),
  },
} as const;

/** A fully defaulted mdistiller / DKL-authors config (yacs `CfgNode` as plain data). */
export type MdistillerConfig = Resolved<typeof MDISTILLER_TREE>;

/** A partial config in the same layout, as written in a YAML file. */
export type MdistillerConfigInput = { [S in keyof MdistillerConfig]?: DeepPartial<MdistillerConfig[S]> };
type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
