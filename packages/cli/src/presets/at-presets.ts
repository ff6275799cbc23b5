/**
 * Adversarial-training presets: IKL-AT, GKL-AT and the TRADES baseline on CIFAR-10/100 with the
 * recipe of the authors' scripts (paper-notes §3): WRN-34-10, batch 128, 200 epochs, SGD 0.9 with
 * wd 5e-4, the scripts' cosine lr from 0.2, epsilon 8/255 growing linearly, the 'high' budget as
 * it actually ran (5 steps of epsilon/2), AWP gamma 0.005 from epoch 10, the class prior from the
 * model's clean logits, and the per-epoch EMA (decay 0.9) that `swa.py` applies afterwards.
 */
import type { RunConfigInput } from '../config/run-config.js';
import { cifarAtData, standardPlugins } from './data-blocks.js';
import { runNameOf, type PresetEntry } from './preset.js';

const DKL_REPO = 'github.com/jiequancui/DKL@c5e8ad2';

type Dataset = 'cifar10' | 'cifar100';
type LossRef = { name: string; options: Record<string, unknown> };

interface AtSetting {
  readonly name: string;
  readonly dataset: Dataset;
  readonly description: string;
  readonly source: string;
  readonly loss: LossRef;
  /** Class-prior temperature (`--T`); undefined = no prior (TRADES). */
  readonly priorTemperature?: number;
}

function atConfig(s: AtSetting): RunConfigInput {
  const plugins: NonNullable<RunConfigInput['plugins']> = [];
  if (s.priorTemperature !== undefined) {
    plugins.push({ name: 'class-prior', options: { source: 'naturalLogits', temperature: s.priorTemperature, momentum: 1 } });
  }
  plugins.push({ name: 'weight-averaging', options: { every: 'epoch', decay: 0.9, startEpoch: 1 } }, ...standardPlugins('test'));
  return {
    name: runNameOf(s.name),
    // Which weights a number comes from matters here: the paper reports the averaged model.
    description: `${s.description} Evaluations during training use the current weights; the weight-averaging plugin's average (what the authors report) is evaluated by \`dkl eval --weights averaged\` and exported by \`dkl export --weights averaged\`.`,
    seed: 0,
    data: cifarAtData(s.dataset, { batchSize: 128 }),
    models: { student: { name: 'wrn_34_10' } },
    trainer: {
      type: 'adversarial',
      epochs: 200,
      losses: [s.loss],
      attack: { norm: 'linf', epsilon: 8 / 255, epsilonSchedule: 'linear', budget: 'high-as-run', randomStart: 'normal' },
      awp: { gamma: 0.005, warmupEpochs: 10, proxyLearningRate: 0.2 },
    },
    optimizer: { name: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4 },
    schedule: { name: 'cosine', lr: 0.2, variant: 'dkl-at' },
    evaluation: { every: 1 },
    plugins,
  };
}

const ikl = (alpha: number, beta: number, T: number): LossRef => ({
  name: 'ikl',
  options: { preset: 'at', temperature: 1, softLabelWeight: alpha, wmseWeight: beta, weightTemperature: T, classPrior: true, ceWeight: 1, ceTarget: 'reference', warmup: 1 },
});
const gkl = (alpha: number, beta: number, T: number, gamma: number): LossRef => ({
  name: 'gkl',
  options: { preset: 'at', temperature: 1, softLabelWeight: alpha, wmseWeight: beta, weightTemperature: T, gamma, normalization: 'weights', classPrior: true, ceWeight: 1, ceTarget: 'reference', warmup: 1 },
});
const trades = (beta: number): LossRef => ({ name: 'trades', options: { beta, ceWeight: 1, ceTarget: 'reference', warmup: 1 } });

const RECIPE = 'WRN-34-10, batch 128, 200 epochs, cosine lr 0.2, eps 8/255 linear, 5 PGD steps of eps/2, AWP 0.005 from epoch 10, per-epoch EMA 0.9';
const ATTACK_NOTE = (beta: number) => `The scripts attack with plain DKL weights (ALPHA 1, BETA ${beta}); dkl's default attack objective is the training loss.`;

/** The first run of the v2 GKL-AT script, the same command on both datasets: ALPHA 4, BETA 20, prior T 4, gamma 1. */
const gklFirstRun = (dataset: Dataset): AtSetting => ({
  name: `${dataset}/at/gkl-at-g1`,
  dataset,
  description: `GKL-AT on ${dataset === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} (${RECIPE}): ALPHA 4, BETA 20, prior T 4, gamma 1 (first run of the v2 script). ${ATTACK_NOTE(dataset === 'cifar10' ? 0 : 1)}`,
  source: `${DKL_REPO} DKLv2/Adv-training-dkl/sh/train_dkl_${dataset}.sh (first run)`,
  loss: gkl(4, 20, 4, 1),
  priorTemperature: 4,
});

const SETTINGS: readonly AtSetting[] = [
  {
    name: 'cifar100/at/ikl-at',
    dataset: 'cifar100',
    description: `IKL-AT on CIFAR-100 (${RECIPE}): ALPHA 5, BETA 20, prior T 4 = the paper's "alpha/4 = 5, beta = 5", Table 2: clean 65.76%, AutoAttack 31.91%. ${ATTACK_NOTE(1)}`,
    source: `${DKL_REPO} DKLv1/Adv-training-dkl/sh/train_dkl_cifar100.sh (second run)`,
    loss: ikl(5, 20, 4),
    priorTemperature: 4,
  },
  {
    name: 'cifar100/at/ikl-at-a4',
    dataset: 'cifar100',
    description: `IKL-AT on CIFAR-100 (${RECIPE}): ALPHA 4, BETA 20, prior T 4 (first run of the v1 script). ${ATTACK_NOTE(1)}`,
    source: `${DKL_REPO} DKLv1/Adv-training-dkl/sh/train_dkl_cifar100.sh (first run)`,
    loss: ikl(4, 20, 4),
    priorTemperature: 4,
  },
  {
    name: 'cifar10/at/ikl-at',
    dataset: 'cifar10',
    description: `IKL-AT on CIFAR-10 (${RECIPE}): ALPHA 4, BETA 20, prior T 4 as in the v1 script (paper Table 3: clean 84.80%, AutoAttack 57.09%; the AA log's run used ALPHA 3, see cifar10/at/ikl-at-a3). ${ATTACK_NOTE(0)}`,
    source: `${DKL_REPO} DKLv1/Adv-training-dkl/sh/train_dkl_cifar10.sh`,
    loss: ikl(4, 20, 4),
    priorTemperature: 4,
  },
  {
    name: 'cifar10/at/ikl-at-a3',
    dataset: 'cifar10',
    description: `IKL-AT on CIFAR-10 (${RECIPE}): ALPHA 3, BETA 20, prior T 4, the run behind the AutoAttack log cifar10_dkl_a3_b20_T4 (clean 85.31%, AA 57.09%). ${ATTACK_NOTE(0)}`,
    source: `${DKL_REPO} DKLv1/Adv-training-dkl/auto_attacks/logs/cifar10_dkl_a3_b20_T4`,
    loss: ikl(3, 20, 4),
    priorTemperature: 4,
  },
  {
    name: 'cifar100/at/gkl-at',
    dataset: 'cifar100',
    description: `GKL-AT on CIFAR-100 (${RECIPE}): ALPHA 4, BETA 20, prior T 1, gamma 0.4, weights normalised by their sum (second run of the v2 script; the DKLv2 README reports basic-augmentation 65.76% / AA 31.91%). ${ATTACK_NOTE(1)}`,
    source: `${DKL_REPO} DKLv2/Adv-training-dkl/sh/train_dkl_cifar100.sh (second run)`,
    loss: gkl(4, 20, 1, 0.4),
    priorTemperature: 1,
  },
  gklFirstRun('cifar100'),
  {
    name: 'cifar10/at/gkl-at',
    dataset: 'cifar10',
    description: `GKL-AT on CIFAR-10 (${RECIPE}): ALPHA 4, BETA 20, gamma 0.2, prior T 4: the second v2 command as it actually ran (a missing backslash drops its '--T 1.0', so the default T 4 applies; DKLv2 README: 85.31% / AA 57.13%). ${ATTACK_NOTE(0)}`,
    source: `${DKL_REPO} DKLv2/Adv-training-dkl/sh/train_dkl_cifar10.sh (second run)`,
    loss: gkl(4, 20, 4, 0.2),
    priorTemperature: 4,
  },
  gklFirstRun('cifar10'),
  {
    name: 'cifar100/at/trades',
    dataset: 'cifar100',
    description: `TRADES + AWP baseline on CIFAR-100 (${RECIPE}): beta 9, the authors' baseline script (paper Table 1 (a) KL baseline: clean 62.87%, AutoAttack 30.29%).`,
    source: `${DKL_REPO} DKLv1/Adv-training-dkl/sh/train_trades_cifar100.sh`,
    loss: trades(9),
  },
  {
    name: 'cifar10/at/trades',
    dataset: 'cifar10',
    description: `TRADES + AWP baseline on CIFAR-10 (${RECIPE}): beta 6. The authors publish no CIFAR-10 TRADES script; beta 6 is the TRADES paper's CIFAR-10 value, the rest is their recipe.`,
    source: `${DKL_REPO} DKLv2/Adv-training-dkl/train_trades_cifar.py (recipe) + TRADES (Zhang et al. 2019) beta`,
    loss: trades(6),
  },
];

/** Every adversarial-training preset. */
export function atPresets(): PresetEntry[] {
  return SETTINGS.map((s) => ({ name: s.name, description: s.description, source: s.source, build: () => atConfig(s) }));
}
