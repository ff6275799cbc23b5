/**
 * Feature-distiller baselines of the paper's CIFAR-100 tables (@dkl/distillers), on every pair,
 * built through the mdistiller mapping with cfg.py's section defaults and the pair's solver,
 * as mdistiller's `configs/cifar100/<method>.yaml` do for resnet32x4 -> resnet8x4. ReviewKD's
 * layout is pair-specific in mdistiller (cfg.py's default fits resnet32x4 -> resnet8x4 only),
 * so its preset is that pair's.
 */
import { CIFAR100_PAIRS, cifarSolver, mdistillerPreset } from './kd-presets.js';
import type { PresetEntry } from './preset.js';

const MDISTILLER_REPO = 'github.com/megvii-research/mdistiller';

/** Method slug (`attention`: `at` names the adversarial-training presets), mdistiller DISTILLER.TYPE, and what it is. */
const METHODS = [
  ['fitnet', 'FITNET', 'FitNet hints at feats[2] through a ConvReg connector (weight 100)'],
  ['attention', 'AT', 'attention transfer on every stage (p 2, weight 1000)'],
  ['rkd', 'RKD', 'relational KD on the pooled feature (distance 25, angle 50)'],
  ['pkt', 'PKT', 'probabilistic knowledge transfer on the pooled feature (weight 30000)'],
  ['sp', 'SP', 'similarity-preserving KD on the last stage (weight 3000)'],
  ['vid', 'VID', 'variational information distillation on every stage (weight 1, init variance 5)'],
  ['nst', 'NST', 'neuron selectivity transfer on every stage (weight 50)'],
] as const;

export function featurePresets(): PresetEntry[] {
  const pairs = CIFAR100_PAIRS.flatMap((p) =>
    METHODS.map(([slug, type, what]) =>
      mdistillerPreset(
        `cifar100/${slug}/${p.slug}`,
        `${type} baseline, CIFAR-100 ${p.teacher} -> ${p.student}: ${what}, mdistiller's cfg.py defaults; lr ${p.lr}, batch 64, 240 epochs.`,
        `${MDISTILLER_REPO} engine/cfg.py ${type} + configs/cifar100/${type.toLowerCase()}.yaml solver (lr per configs/cifar100/dkd/${p.file}.yaml)`,
        { EXPERIMENT: { TAG: `${slug},${p.slug}`, PROJECT: 'cifar100_baselines' }, DISTILLER: { TYPE: type, TEACHER: p.teacher, STUDENT: p.student }, SOLVER: cifarSolver(p.lr) },
      ),
    ),
  );
  const reviewkd = mdistillerPreset(
    'cifar100/reviewkd/res32x4-res8x4',
    "ReviewKD baseline, CIFAR-100 resnet32x4 -> resnet8x4: ABF fusion + HCL against the teacher's pre-activations, weight 5, warm-up 20, mdistiller's layout; lr 0.05, batch 64, 240 epochs.",
    `${MDISTILLER_REPO} configs/cifar100/reviewkd.yaml`,
    { EXPERIMENT: { TAG: 'reviewkd,res32x4,res8x4', PROJECT: 'cifar100_baselines' }, DISTILLER: { TYPE: 'REVIEWKD', TEACHER: 'resnet32x4', STUDENT: 'resnet8x4' }, REVIEWKD: { REVIEWKD_WEIGHT: 5 }, SOLVER: cifarSolver(0.05) },
  );
  return [...pairs, reviewkd];
}
