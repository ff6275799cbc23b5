/** CRD (Tian et al. 2020), as mdistiller's `distillers/CRD.py` with its `CIFAR100InstanceSample` data. */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, POOLED_FEATURE, requireFeature, SeededRng, type LossContext, type LossDefinition } from '@dkl/core';
import { z } from 'zod';
import { ContrastSampler } from './common/contrast-sampler.js';
import { FEATURE_REQUIREMENTS, featureTerm, weightFields } from './common/feature-term.js';
import { torchUniformVariable } from './common/init.js';
import { flattenBatch } from './common/tensor-ops.js';

/**
 * mdistiller's `ContrastLoss` (NCE with a uniform noise distribution over `numData` examples):
 * `-(sum_b log(P_pos / (P_pos + m Pn + eps)) + sum_{b,j} log(m Pn / (P_neg + m Pn + eps))) / B`
 * on scores `[B, m + 1]` whose column 0 is the positive.
 */
export function contrastLoss(scores: tf.Tensor2D, numData: number): tf.Scalar {
  return tf.tidy(() => {
    const [b, cols] = scores.shape;
    const mPn = (cols - 1) / numData;
    const eps = 1e-7;
    const pos = scores.slice([0, 0], [b, 1]);
    const neg = scores.slice([0, 1], [b, cols - 1]);
    const logD1 = tf.log(tf.div(pos, tf.add(pos, mPn + eps)));
    const logD0 = tf.log(tf.div(mPn, tf.add(neg, mPn + eps)));
    return tf.div(tf.neg(tf.add(tf.sum(logD1), tf.sum(logD0))), b) as tf.Scalar;
  });
}

/** `Embed`: a linear map to the contrast space followed by L2 normalisation (`x / ||x||`, no eps). */
class Embed {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(dimIn: number, dimOut: number, rng: SeededRng) {
    this.weight = torchUniformVariable([dimIn, dimOut], dimIn, rng);
    this.bias = torchUniformVariable([dimOut], dimIn, rng);
  }

  forward(x: tf.Tensor): tf.Tensor2D {
    const y = tf.add(tf.matMul(flattenBatch(x), this.weight), this.bias);
    return tf.div(y, tf.sqrt(tf.sum(tf.square(y), 1, true))) as tf.Tensor2D;
  }
}

/**
 * mdistiller's `ContrastMemory`: two memory banks (`[numData, dim]`, one per view, drawn
 * U(-1/sqrt(dim/3), 1/sqrt(dim/3))), the normalisation constants Z (set from the first batch's
 * mean score times `numData`, then fixed) and the momentum update of the rows of the batch.
 */
export class ContrastMemory {
  readonly memoryV1: tf.Variable;
  readonly memoryV2: tf.Variable;
  /** `[Z_v1, Z_v2]`, -1 until the first batch sets them. */
  readonly normalizers: tf.Variable;

  constructor(
    readonly dim: number,
    readonly numData: number,
    readonly temperature: number,
    readonly momentum: number,
    rng: SeededRng,
  ) {
    const stdv = 1 / Math.sqrt(dim / 3);
    const bank = () => tf.tidy(() => tf.variable(tf.tensor2d(rng.fillUniform(new Float32Array(numData * dim), -stdv, stdv), [numData, dim]), false));
    this.memoryV1 = bank();
    this.memoryV2 = bank();
    this.normalizers = tf.tidy(() => tf.variable(tf.tensor1d([-1, -1]), false));
  }

  get state(): tf.Variable[] {
    return [this.memoryV1, this.memoryV2, this.normalizers];
  }

  /**
   * Scores `[B, k + 1]` of the student embedding `v1` against memory_v2's rows `contrast`
   * (`outV1`) and of the teacher embedding `v2` against memory_v1's (`outV2`), then moves the
   * rows `rows` of each bank towards the batch's embeddings (no gradient flows into the banks).
   */
  forward(v1: tf.Tensor2D, v2: tf.Tensor2D, rows: Int32Array, contrast: Int32Array): { outV1: tf.Tensor2D; outV2: tf.Tensor2D } {
    const [b, dim] = v1.shape;
    const cols = contrast.length / b;
    const score = (bank: tf.Variable, v: tf.Tensor2D) => {
      const weights = tf.reshape(gatherRows(bank, contrast), [b, cols, dim]);
      return tf.exp(tf.div(tf.reshape(tf.matMul(weights, tf.reshape(v, [b, dim, 1])), [b, cols]), this.temperature)) as tf.Tensor2D;
    };
    let outV2 = score(this.memoryV1, v2);
    let outV1 = score(this.memoryV2, v1);
    let [z1, z2] = this.normalizers.dataSync() as Float32Array;
    if (z1! < 0 || z2! < 0) {
      // As the reference: Python floats, so Z carries no gradient.
      z1 = z1! < 0 ? tf.tidy(() => tf.mul(tf.mean(outV1), this.numData).dataSync()[0]!) : z1!;
      z2 = z2! < 0 ? tf.tidy(() => tf.mul(tf.mean(outV2), this.numData).dataSync()[0]!) : z2!;
      tf.tidy(() => this.normalizers.assign(tf.tensor1d([z1!, z2!])));
    }
    outV1 = tf.div(outV1, z1!);
    outV2 = tf.div(outV2, z2!);
    this.update(this.memoryV1, v1, rows);
    this.update(this.memoryV2, v2, rows);
    return { outV1, outV2 };
  }

  private update(bank: tf.Variable, v: tf.Tensor2D, rows: Int32Array): void {
    tf.tidy(() => {
      const at = tf.tensor2d(rows, [rows.length, 1], 'int32');
      const moved = tf.add(tf.mul(gatherRows(bank, rows), this.momentum), tf.mul(v, 1 - this.momentum));
      const unit = tf.div(moved, tf.sqrt(tf.sum(tf.square(moved), 1, true)));
      bank.assign(tf.tensorScatterUpdate(bank, at, unit));
    });
  }
}

/**
 * Rows `rows` of a bank, copied on the host: the banks are constants of the step (no gradient
 * flows into them), and the cpu backend's gather kernel moves one element at a time (it was
 * 95 % of a step with 16,384 negatives).
 */
function gatherRows(bank: tf.Variable, rows: Int32Array): tf.Tensor2D {
  const [, dim] = bank.shape as [number, number];
  const values = bank.dataSync();
  const out = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => out.set(values.subarray(row * dim, (row + 1) * dim), i * dim));
  return tf.tensor2d(out, [rows.length, dim]);
}

const schema = z.strictObject({
  /** Positive of each row: itself or a random example of its class (mdistiller `CRD.MODE`). */
  mode: z.enum(['exact', 'relax']).default('exact'),
  /** Dimension of the contrast space (`CRD.FEAT.DIM`). */
  featDim: z.number().int().positive().default(128),
  /** The student's pooled-feature width (`CRD.FEAT.STUDENT_DIM`); checked against the model when given. */
  studentDim: z.number().int().positive().optional(),
  /** The teacher's pooled-feature width (`CRD.FEAT.TEACHER_DIM`); checked against the model when given. */
  teacherDim: z.number().int().positive().optional(),
  /** Negatives per example (`CRD.NCE.K`). */
  k: z.number().int().positive().default(16384),
  /** Memory-bank momentum (`CRD.NCE.MOMENTUM`). */
  momentum: z.number().min(0).max(1).default(0.5),
  /** Temperature of the scores (`CRD.NCE.TEMPERATURE`). */
  temperature: z.number().positive().default(0.07),
  ...weightFields(0.8),
});

/** `crd`: contrastive representation distillation on the pooled features, mdistiller defaults. */
export const crdDefinition: LossDefinition<typeof schema> = {
  name: 'crd',
  description: 'contrastive representation distillation (CRD): NCE over a momentum memory bank of embedded pooled features, k negatives per example',
  schema,
  needsReference: true,
  requirements: () => ({ ...FEATURE_REQUIREMENTS, exampleIndices: true }),
  create: (options, context = {}) => {
    const where = context.keyPath ?? 'crd';
    const shapes = context.featureShapes;
    if (!shapes?.reference) throw new ConfigError(where, "loss 'crd' sizes its embeddings from both models' pooled features, which the trainer did not give (use trainer.type distillation)");
    const labels = context.trainingLabels;
    if (!labels) throw new ConfigError(where, "loss 'crd' keeps a memory row per training example and needs the training set's labels, which the run did not give (use trainer.type distillation)");
    const width = (role: 'model' | 'reference', configured: number | undefined, key: string) => {
      const shape = (role === 'model' ? shapes.model : shapes.reference!)[POOLED_FEATURE];
      if (!shape) throw new ConfigError(where, `loss 'crd' needs the ${role === 'model' ? 'student' : 'teacher'}'s pooled feature '${POOLED_FEATURE}', which the model does not expose`);
      const size = shape.reduce((a, b) => a * b, 1);
      if (configured !== undefined && configured !== size) throw new ConfigError(`${where}.options.${key}`, `is ${configured}, but the ${role === 'model' ? 'student' : 'teacher'}'s pooled feature has ${size} values`);
      return size;
    };
    const studentDim = width('model', options.studentDim, 'studentDim');
    const teacherDim = width('reference', options.teacherDim, 'teacherDim');
    const seed = String(context.seed ?? 0);
    const rng = new SeededRng(`${seed}/init`);
    const embedS = new Embed(studentDim, options.featDim, rng);
    const embedT = new Embed(teacherDim, options.featDim, rng);
    const memory = new ContrastMemory(options.featDim, labels.length, options.temperature, options.momentum, rng);
    const sampler = new ContrastSampler(labels, options.k, options.mode, `${where}.options.k`);
    const featureLoss = (ctx: LossContext): tf.Scalar => {
      const rows = ctx.indices;
      if (!rows) throw new ConfigError(where, "loss 'crd' needs the training-set index of every row, and this batch has none (its loader does not give indices)");
      const outside = rows.find((i) => i < 0 || i >= labels.length);
      if (outside !== undefined) throw new ConfigError(where, `batch index ${outside} is outside the training set of ${labels.length} examples the memory bank was built for`);
      const contrast = sampler.draw(rows, new SeededRng(`${seed}/contrast/${ctx.step}`));
      const v1 = embedS.forward(requireFeature(ctx.features, POOLED_FEATURE, 'crd', 'model'));
      const v2 = embedT.forward(requireFeature(ctx.referenceFeatures, POOLED_FEATURE, 'crd', 'reference'));
      const { outV1, outV2 } = memory.forward(v1, v2, rows, contrast);
      return tf.add(contrastLoss(outV1, labels.length), contrastLoss(outV2, labels.length)) as tf.Scalar;
    };
    return featureTerm({
      name: 'crd',
      ceWeight: options.ceWeight,
      weight: options.weight,
      variables: { trainable: [embedS.weight, embedS.bias, embedT.weight, embedT.bias], state: memory.state },
      featureLoss,
    });
  },
};
