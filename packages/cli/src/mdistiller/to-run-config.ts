/**
 * Maps an mdistiller / DKL-authors config onto dkl's run config. Name clash reminder: the code's
 * ALPHA (soft-label CE weight) is our `softLabelWeight`, its BETA (wMSE weight) our `wmseWeight`.
 */
import { ConfigError, parseConfig } from '@dkl/core';
import { runConfigSchema, type RunConfigInput } from '../config/run-config.js';
import { cifar100KdData, imagenetKdData, standardPlugins } from '../presets/data-blocks.js';
import { MDISTILLER_TREE, SUPPORTED_DISTILLERS, UNSUPPORTED_SECTIONS, type MdistillerConfig } from './defaults.js';
import { dklModelName, teacherWeightsPath, type MdistillerDataset } from './model-names.js';
import { mergeTree } from './yacs-tree.js';

/** Where the mapped run finds its data and teachers. */
export interface MdistillerOptions {
  /** Dataset directory (default `data/cifar-100-binary`, or `data/imagenet` for ImageNet). */
  readonly dataDir?: string;
  /** Directory of the teacher checkpoints (default `pretrained/cifar_teachers` / `pretrained/imagenet_teachers`). */
  readonly teacherDir?: string;
}

/** Extra naming for {@link mdistillerToRunConfig}. */
export interface MdistillerMappingOptions extends MdistillerOptions {
  /** Run name (default: EXPERIMENT.NAME, else EXPERIMENT.TAG, else `mdistiller`), sanitised. */
  readonly name?: string;
  /** Run description (default: names the source file and the experiment). */
  readonly description?: string;
  /** Source shown in the default description (file name). */
  readonly source?: string;
}

const NUM_CLASSES: Record<MdistillerDataset, number> = { cifar100: 100, imagenet: 1000 };

function unsupportedHint(key: string): string | undefined {
  if ((UNSUPPORTED_SECTIONS as readonly string[]).includes(key)) {
    return `section ${key} configures mdistiller's ${key} distiller, which dkl does not implement; supported DISTILLER.TYPE: ${SUPPORTED_DISTILLERS.join(', ')}`;
  }
  return undefined;
}

/**
 * Validates a parsed mdistiller document (`{ EXPERIMENT: {...}, SOLVER: {...}, IKL_KD: {...} }`)
 * and fills cfg.py's defaults. `where` prefixes messages (e.g. `cfg.yaml: `).
 */
export function resolveMdistillerConfig(input: unknown, where = ''): MdistillerConfig {
  const cfg = mergeTree(MDISTILLER_TREE, input, '', where, unsupportedHint);
  const raw = (input ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const classes = NUM_CLASSES[cfg.DATASET.TYPE as MdistillerDataset];
  for (const section of ['IKL_KD', 'GKL_KD'] as const) {
    const given = raw[section]?.['NUM_CLASSES'];
    if (given !== undefined && given !== classes) {
      throw new ConfigError(`${section}.NUM_CLASSES`, `${where}is ${String(given)} but DATASET.TYPE '${cfg.DATASET.TYPE}' has ${classes} classes`);
    }
  }
  return cfg;
}

const sanitizeName = (raw: string): string => raw.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'mdistiller';

type LossRef = { name: string; options: Record<string, unknown> };
type PluginRef = { name: string; options: Record<string, unknown> };

/** A feature distiller of @dkl/distillers with its section's `LOSS` weights. */
function feature(name: string, loss: { CE_WEIGHT: number; FEAT_WEIGHT: number }, options: Record<string, unknown>): { loss: LossRef; plugins: PluginRef[] } {
  return { loss: { name, options: { ...options, ceWeight: loss.CE_WEIGHT, weight: loss.FEAT_WEIGHT } }, plugins: [] };
}

/** The loss term and any extra plugins (the class prior for GI) of the configured distiller. */
function distillerLoss(cfg: MdistillerConfig): { loss: LossRef; plugins: PluginRef[] } {
  switch (cfg.DISTILLER.TYPE) {
    case 'NONE':
      return { loss: { name: 'ce', options: {} }, plugins: [] };
    case 'KD': {
      const k = cfg.KD;
      // KD.MUTUAL in the authors' code moves the CE onto the teacher's logits; the teacher stays
      // in eval mode and out of the optimizer (Distiller.get_learnable_parameters), so it is not
      // trained and the student loses its hard-label term: ceTarget 'reference' is exactly that.
      const ceTarget = k.MUTUAL ? 'reference' : 'logits';
      return { loss: { name: 'kd', options: { temperature: k.TEMPERATURE, weight: k.LOSS.KD_WEIGHT, ceWeight: k.LOSS.CE_WEIGHT, ceTarget, warmup: 1 } }, plugins: [] };
    }
    case 'DKD': {
      const d = cfg.DKD;
      return { loss: { name: 'dkd', options: { alpha: d.ALPHA, beta: d.BETA, temperature: d.T, ceWeight: d.CE_WEIGHT, warmup: d.WARMUP } }, plugins: [] };
    }
    case 'IKL_KD':
    case 'GKL_KD': {
      const gkl = cfg.DISTILLER.TYPE === 'GKL_KD';
      const s = gkl ? cfg.GKL_KD : cfg.IKL_KD;
      const options: Record<string, unknown> = {
        preset: 'kd',
        temperature: s.T,
        softLabelWeight: s.ALPHA,
        wmseWeight: s.BETA,
        weightTemperature: s.T2,
        gamma: gkl ? cfg.GKL_KD.GAMMA : 1,
        normalization: gkl ? 'weights' : 'batch',
        classPrior: s.GI,
        ceWeight: s.CE_WEIGHT,
        warmup: s.WARMUP,
      };
      // The authors' trainer accumulates the prior from softmax(teacher / T2) every epoch.
      const plugins = s.GI ? [{ name: 'class-prior', options: { source: 'teacherLogits', temperature: s.T2, momentum: 1 } }] : [];
      return { loss: { name: gkl ? 'gkl' : 'ikl', options }, plugins };
    }
    case 'FITNET':
      return feature('fitnet', cfg.FITNET.LOSS, { hintLayer: cfg.FITNET.HINT_LAYER });
    case 'AT':
      return feature('at', cfg.AT.LOSS, { p: cfg.AT.P });
    case 'RKD': {
      const r = cfg.RKD;
      return feature('rkd', r.LOSS, { distanceWeight: r.DISTANCE_WEIGHT, angleWeight: r.ANGLE_WEIGHT, eps: r.PDIST.EPSILON, squared: r.PDIST.SQUARED });
    }
    case 'PKT':
      return feature('pkt', cfg.PKT.LOSS, {});
    case 'SP':
      return feature('sp', cfg.SP.LOSS, {});
    case 'VID':
      return feature('vid', cfg.VID.LOSS, { initPredVar: cfg.VID.INIT_PRED_VAR, eps: cfg.VID.EPS });
    case 'NST':
      return feature('nst', cfg.NST.LOSS, {});
    case 'REVIEWKD': {
      const r = cfg.REVIEWKD;
      const layout = { inChannels: [...r.IN_CHANNELS], outChannels: [...r.OUT_CHANNELS], shapes: [...r.SHAPES], outShapes: [...r.OUT_SHAPES] };
      return feature('reviewkd', { CE_WEIGHT: r.CE_WEIGHT, FEAT_WEIGHT: r.REVIEWKD_WEIGHT }, { warmup: r.WARMUP_EPOCHS, stuPreact: r.STU_PREACT, ...layout });
    }
    case 'OFD':
      return feature('ofd', cfg.OFD.LOSS, { kernelSize: cfg.OFD.CONNECTOR.KERNEL_SIZE });
    case 'KDSVD':
      return feature('kdsvd', cfg.KDSVD.LOSS, { k: cfg.KDSVD.K });
    case 'CRD': {
      const c = cfg.CRD;
      return feature('crd', c.LOSS, { mode: c.MODE, featDim: c.FEAT.DIM, studentDim: c.FEAT.STUDENT_DIM, teacherDim: c.FEAT.TEACHER_DIM, k: c.NCE.K, momentum: c.NCE.MOMENTUM, temperature: c.NCE.TEMPERATURE });
    }
    default:
      throw new ConfigError('DISTILLER.TYPE', `'${cfg.DISTILLER.TYPE}' is not supported; supported: ${SUPPORTED_DISTILLERS.join(', ')}`);
  }
}

/** Maps a resolved mdistiller config onto a dkl run config (validated with `runConfigSchema`). */
export function mdistillerToRunConfig(cfg: MdistillerConfig, options: MdistillerMappingOptions = {}): RunConfigInput {
  const dataset = cfg.DATASET.TYPE as MdistillerDataset;
  const dataOptions = { dir: options.dataDir, batchSize: cfg.SOLVER.BATCH_SIZE, testBatchSize: cfg.DATASET.TEST.BATCH_SIZE };
  const data = dataset === 'cifar100' ? cifar100KdData(dataOptions) : imagenetKdData(dataOptions);
  const evalSplit = dataset === 'cifar100' ? 'test' : 'val';
  const { loss, plugins } = distillerLoss(cfg);
  const distill = cfg.DISTILLER.TYPE !== 'NONE';
  const student = { name: dklModelName(dataset, cfg.DISTILLER.STUDENT, 'DISTILLER.STUDENT') };
  const teacher = distill
    ? {
        name: dklModelName(dataset, cfg.DISTILLER.TEACHER, 'DISTILLER.TEACHER'),
        weights: teacherWeightsPath(dataset, cfg.DISTILLER.TEACHER, 'DISTILLER.TEACHER', options.teacherDir),
      }
    : undefined;
  const e = cfg.EXPERIMENT;
  const name = sanitizeName(options.name ?? (e.NAME || (e.TAG !== 'default' ? e.TAG : '') || 'mdistiller'));
  const description =
    options.description ??
    `mdistiller config${options.source ? ` ${options.source}` : ''} (project '${e.PROJECT}', tag '${e.TAG}'): ${cfg.DISTILLER.TYPE} ${distill ? `${cfg.DISTILLER.TEACHER} -> ` : ''}${cfg.DISTILLER.STUDENT} on ${dataset}`;
  const config: RunConfigInput = {
    name,
    description,
    seed: 0,
    data,
    models: teacher ? { student, teacher } : { student },
    trainer: { type: distill ? 'distillation' : 'supervised', epochs: cfg.SOLVER.EPOCHS, losses: [loss] },
    optimizer: { name: 'sgd', momentum: cfg.SOLVER.MOMENTUM, nesterov: false, weightDecay: cfg.SOLVER.WEIGHT_DECAY },
    schedule: { name: 'multistep', lr: cfg.SOLVER.LR, milestones: [...cfg.SOLVER.LR_DECAY_STAGES], gamma: cfg.SOLVER.LR_DECAY_RATE },
    evaluation: { every: 1 },
    plugins: [...plugins, ...standardPlugins(evalSplit, cfg.LOG.SAVE_CHECKPOINT_FREQ)],
  };
  // A mapping bug must surface here, with our key names, not later in the run.
  parseConfig(runConfigSchema, config, '');
  return config;
}
