/** ReviewKD (Chen et al. 2021), as mdistiller's `distillers/ReviewKD.py`: ABF fusion + HCL. */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, POOLED_FEATURE, PREACT_PREFIX, requireFeature, SeededRng, stageFeatureNames, type FeatureShapes, type LossDefinition, type ModelFeatures } from '@dkl/core';
import { warmupFactor } from '@dkl/losses';
import { z } from 'zod';
import { TrainingBatchNorm } from './common/batch-norm.js';
import { FEATURE_REQUIREMENTS, featureTerm, weightFields } from './common/feature-term.js';
import { torchUniformVariable } from './common/init.js';
import { adaptiveAvgPool2d, nearestInterpolate } from './common/tensor-ops.js';

/** One level of the hierarchical context loss: MSE at full size plus pooled 4x4, 2x2, 1x1 MSEs at halving weights. */
function hclLevel(fs: tf.Tensor4D, ft: tf.Tensor4D): tf.Scalar {
  const h = fs.shape[1];
  let loss = tf.mean(tf.squaredDifference(fs, ft));
  let weight = 1;
  let total = 1;
  for (const l of [4, 2, 1]) {
    if (l >= h) continue;
    weight /= 2;
    loss = tf.add(loss, tf.mul(tf.mean(tf.squaredDifference(adaptiveAvgPool2d(fs, l, l), adaptiveAvgPool2d(ft, l, l))), weight));
    total += weight;
  }
  return tf.div(loss, total) as tf.Scalar;
}

/** The hierarchical context loss (HCL) summed over paired levels (Python's zip pairing). */
export function hclLoss(student: readonly tf.Tensor4D[], teacher: readonly tf.Tensor4D[]): tf.Scalar {
  return tf.tidy(() => tf.addN(student.slice(0, Math.min(student.length, teacher.length)).map((fs, i) => hclLevel(fs, teacher[i]!))) as tf.Scalar);
}

/** Attention-based fusion: conv1x1+BN, optionally fused with the upsampled residual by a 2-channel sigmoid attention, then conv3x3+BN. */
export class Abf {
  readonly conv1: tf.Variable;
  readonly bn1: TrainingBatchNorm;
  readonly conv2: tf.Variable;
  readonly bn2: TrainingBatchNorm;
  readonly att?: { readonly weight: tf.Variable; readonly bias: tf.Variable };

  constructor(inChannels: number, midChannels: number, outChannels: number, fuse: boolean, rng: SeededRng) {
    // kaiming_uniform_(a=1): bound sqrt(3 / fan_in), i.e. the a = sqrt(5) bound times sqrt(3).
    this.conv1 = scaledUniform([1, 1, inChannels, midChannels], inChannels, rng);
    this.bn1 = new TrainingBatchNorm(midChannels);
    this.conv2 = scaledUniform([3, 3, midChannels, outChannels], midChannels * 9, rng);
    this.bn2 = new TrainingBatchNorm(outChannels);
    if (fuse) this.att = { weight: torchUniformVariable([1, 1, 2 * midChannels, 2], 2 * midChannels, rng), bias: torchUniformVariable([2], 2 * midChannels, rng) };
  }

  get trainable(): tf.Variable[] {
    return [this.conv1, ...this.bn1.trainable, this.conv2, ...this.bn2.trainable, ...(this.att ? [this.att.weight, this.att.bias] : [])];
  }

  get state(): tf.Variable[] {
    return [...this.bn1.state, ...this.bn2.state];
  }

  /** Returns `[output, residual]` (mdistiller's `y, x`). */
  forward(x: tf.Tensor4D, residual: tf.Tensor4D | undefined, shape: number, outShape: number): [tf.Tensor4D, tf.Tensor4D] {
    let h = this.bn1.forward(tf.conv2d(x, this.conv1 as tf.Tensor4D, 1, 'valid'));
    if (this.att && residual) {
      const y = nearestInterpolate(residual, shape, shape);
      // The 1x1 attention conv over concat([h, y]), one output channel at a time, with the
      // filter split by input half: the same sums, without channel slices of the large maps
      // (whose gradients take the cpu backend's per-element slice path).
      const mid = h.shape[3];
      const attention = (out: number) => {
        const filter = (from: number) => tf.slice(this.att!.weight, [0, 0, from, out], [1, 1, mid, 1]) as tf.Tensor4D;
        const logits = tf.add(tf.conv2d(h, filter(0), 1, 'valid'), tf.conv2d(y, filter(mid), 1, 'valid'));
        return tf.sigmoid(tf.add(logits, tf.slice(this.att!.bias, [out], [1])));
      };
      h = tf.add(tf.mul(h, attention(0)), tf.mul(y, attention(1))) as tf.Tensor4D;
    }
    h = nearestInterpolate(h, outShape, outShape);
    return [this.bn2.forward(tf.conv2d(h, this.conv2 as tf.Tensor4D, 1, 'same')), h];
  }
}

function scaledUniform(shape: number[], fanIn: number, rng: SeededRng): tf.Variable {
  const v = torchUniformVariable(shape, fanIn, rng);
  tf.tidy(() => v.assign(tf.mul(v, Math.sqrt(3))));
  return v;
}

/** The student's features as ReviewKD reads them, deepest first: pooled (as 1x1 maps), then stages N..1, then the stem. */
function studentLevels(features: ModelFeatures | undefined, preact: boolean): tf.Tensor4D[] {
  const names = stageFeatureNames(Object.keys(features ?? {}));
  const maps = names.map((n) => requireFeature(features, preact && n !== 'stem' ? `${PREACT_PREFIX}${n}` : n, 'reviewkd', 'model') as tf.Tensor4D);
  const pooled = requireFeature(features, POOLED_FEATURE, 'reviewkd', 'model');
  return [pooled.reshape([pooled.shape[0]!, 1, 1, -1]) as tf.Tensor4D, ...maps.reverse()];
}

/** The teacher's targets, shallowest first: pre-activation stages 1..N, then pooled (as 1x1 maps). */
function teacherTargets(features: ModelFeatures | undefined): tf.Tensor4D[] {
  const stages = stageFeatureNames(Object.keys(features ?? {})).filter((n) => n !== 'stem');
  const pooled = requireFeature(features, POOLED_FEATURE, 'reviewkd', 'reference');
  return [...stages.map((n) => requireFeature(features, `${PREACT_PREFIX}${n}`, 'reviewkd', 'reference') as tf.Tensor4D), pooled.reshape([pooled.shape[0]!, 1, 1, -1]) as tf.Tensor4D];
}

/** ReviewKD's layout from the models' feature shapes, as mdistiller's config lists it. */
function derivedLayout(student: FeatureShapes, teacher: FeatureShapes, preact: boolean) {
  const sStages = stageFeatureNames(Object.keys(student)).filter((n) => n !== 'stem');
  const tStages = stageFeatureNames(Object.keys(teacher)).filter((n) => n !== 'stem');
  const sMap = (n: string) => student[preact ? `${PREACT_PREFIX}${n}` : n] ?? student[n]!;
  const tMap = (n: string) => teacher[`${PREACT_PREFIX}${n}`] ?? teacher[n]!;
  return {
    inChannels: [...sStages.map((n) => sMap(n).at(-1)!), student[POOLED_FEATURE]!.at(-1)!],
    outChannels: [...tStages.map((n) => tMap(n).at(-1)!), teacher[POOLED_FEATURE]!.at(-1)!],
    shapes: [1, ...sStages.map((n) => sMap(n)[0]!).reverse()],
    outShapes: [1, ...tStages.map((n) => tMap(n)[0]!).reverse()],
  };
}

const intList = z.array(z.number().int().positive()).min(1);
const schema = z.strictObject({
  /** Linear warm-up of the ReviewKD term in epochs (mdistiller `WARMUP_EPOCHS`). */
  warmup: z.number().positive().default(20),
  /** Fuse the student's pre-activation stage outputs (mdistiller `STU_PREACT`). */
  stuPreact: z.boolean().default(false),
  /** mdistiller's `IN_CHANNELS` / `OUT_CHANNELS` (shallowest first) and `SHAPES` / `OUT_SHAPES` (deepest first); default: read from the models. */
  inChannels: intList.optional(),
  outChannels: intList.optional(),
  shapes: intList.optional(),
  outShapes: intList.optional(),
  ...weightFields(1),
});

/** `reviewkd`: knowledge review (ABF fusion + HCL against the teacher's pre-activations), mdistiller defaults. */
export const reviewkdDefinition: LossDefinition<typeof schema> = {
  name: 'reviewkd',
  description: "ReviewKD: the student's stages fused deepest-first by attention (ABF), matched to the teacher's pre-activation stages by the hierarchical context loss",
  schema,
  needsReference: true,
  requirements: () => FEATURE_REQUIREMENTS,
  create: (options, context = {}) => {
    const where = context.keyPath ?? 'reviewkd';
    const shapes = context.featureShapes;
    if (!shapes?.reference) throw new ConfigError(where, "loss 'reviewkd' sizes its ABF modules from both models' feature shapes, which the trainer did not give (use trainer.type distillation)");
    const derived = derivedLayout(shapes.model, shapes.reference, options.stuPreact);
    if (derived.inChannels.length !== derived.outChannels.length) {
      // The reference pairs its fused levels with the teacher's shallowest first: counts must agree.
      throw new ConfigError(where, `loss 'reviewkd' fuses one level per student stage plus the pooled feature (${derived.inChannels.length}) and matches them to the teacher's (${derived.outChannels.length}): use a student and a teacher with as many stages`);
    }
    const layout = {
      inChannels: options.inChannels ?? derived.inChannels,
      outChannels: options.outChannels ?? derived.outChannels,
      shapes: options.shapes ?? derived.shapes,
      outShapes: options.outShapes ?? derived.outShapes,
    };
    const levels = layout.inChannels.length;
    for (const key of ['inChannels', 'outChannels', 'shapes', 'outShapes'] as const) {
      if (layout[key].length !== levels) throw new ConfigError(`${where}.options.${key}`, `has ${layout[key].length} entries, inChannels ${levels}`);
      // Configured levels must be the models' (the deepest `levels` of them), or the convolutions cannot fit.
      const models = key.endsWith('Channels') ? derived[key].slice(-levels) : derived[key].slice(0, levels);
      if (layout[key].join() !== models.join()) {
        throw new ConfigError(`${where}.options.${key}`, `is [${layout[key].join(', ')}], but the student and teacher give [${models.join(', ')}]${key === 'inChannels' && options.stuPreact ? ' (pre-activation stages)' : ''}`);
      }
    }
    // As the reference: one mid width for every level, from the last input's channels.
    const mid = Math.min(512, layout.inChannels.at(-1)!);
    const rng = new SeededRng(context.seed ?? 0);
    const abfs = layout.inChannels.map((c, i) => new Abf(c, mid, layout.outChannels[i]!, i < levels - 1, rng)).reverse();
    return featureTerm({
      name: 'reviewkd',
      ceWeight: options.ceWeight,
      weight: options.weight,
      variables: { trainable: abfs.flatMap((a) => a.trainable), state: abfs.flatMap((a) => a.state) },
      featureLoss: (ctx) => {
        const x = studentLevels(ctx.features, options.stuPreact);
        const results: tf.Tensor4D[] = [];
        let [out, residual] = abfs[0]!.forward(x[0]!, undefined, layout.shapes[0]!, layout.outShapes[0]!);
        results.push(out);
        for (let i = 1; i < Math.min(abfs.length, x.length); i++) {
          [out, residual] = abfs[i]!.forward(x[i]!, residual, layout.shapes[i]!, layout.outShapes[i]!);
          results.unshift(out);
        }
        return tf.mul(hclLoss(results, teacherTargets(ctx.referenceFeatures)), warmupFactor(ctx.epoch, options.warmup)) as tf.Scalar;
      },
    });
  },
};
