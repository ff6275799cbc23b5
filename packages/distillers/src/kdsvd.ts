/** KDSVD (Lee et al. 2018, self-supervised KD with SVD), as mdistiller's `distillers/KDSVD.py`. */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, stageFeatureNames, type LossDefinition } from '@dkl/core';
import { z } from 'zod';
import { FEATURE_REQUIREMENTS, featureTerm, pairedStages, weightFields } from './common/feature-term.js';
import { topRightSingular } from './common/svd.js';
import { l2Normalize } from './common/tensor-ops.js';

/**
 * mdistiller's `svd(feat, n)` on an NHWC map: the NCHW tensor viewed as `[B, C*H, W]` (the
 * reference's `feat.view(B, C*H, W)`), its top `n` right singular vectors (unit columns) and its
 * top `n` singular values normalised to unit length.
 */
function mapSvd(feat: tf.Tensor4D, n: number): { v: tf.Tensor3D; s: tf.Tensor2D } {
  const [b, h, w, c] = feat.shape;
  const x = tf.reshape(tf.transpose(feat, [0, 3, 1, 2]), [b, c * h, w]) as tf.Tensor3D;
  const { vectors, values } = topRightSingular(x, n);
  return { v: l2Normalize(vectors, 1) as tf.Tensor3D, s: l2Normalize(values, 1) as tf.Tensor2D };
}

/**
 * `align_rsv`: each teacher vector is matched with the student vector of largest |cosine|,
 * carrying that cosine's sign; returns the student's `[B, W, k]` matched vectors.
 */
function alignToTeacher(vs: tf.Tensor3D, vt: tf.Tensor3D): tf.Tensor3D {
  // The mask carries no gradient (sign and equality are flat), so it is built on the host.
  const mask = tf.tidy(() => {
    const cosine = tf.matMul(vs, vt, true, false); // [B, k + 3, k]
    const magnitude = tf.abs(cosine);
    const best = tf.max(magnitude, 1, true);
    return tf.where(tf.equal(best, magnitude), tf.sign(cosine), tf.zerosLike(cosine));
  });
  const constant = tf.tensor(mask.dataSync(), mask.shape);
  mask.dispose();
  return tf.matMul(vs, constant) as tf.Tensor3D;
}

/** `exp(-(a_i - b_j)^2 / 8)` for every pair of rows `[B, Wa, Wb, k]`. */
function rbf(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor {
  return tf.exp(tf.div(tf.neg(tf.square(tf.sub(tf.expandDims(a, 2), tf.expandDims(b, 1)))), 8));
}

/**
 * The KDSVD loss over paired stage maps (shallowest first): per stage, the teacher's top `k`
 * right singular vectors and the student's top `k + 3` aligned to them, both scaled by the
 * teacher's normalised singular values; from the second stage on, the squared difference of the
 * RBF kernels between consecutive stages' vectors (non-finite entries dropped), summed, over B.
 */
export function kdsvdLoss(student: readonly tf.Tensor4D[], teacher: readonly tf.Tensor4D[], k = 1): tf.Scalar {
  return tf.tidy(() => {
    const losses: tf.Tensor[] = [];
    let previous: { vs: tf.Tensor3D; vt: tf.Tensor3D } | undefined;
    student.forEach((fs, i) => {
      const t = mapSvd(teacher[i]!, k);
      const s = mapSvd(fs, k + 3);
      const scale = tf.expandDims(t.s, 1);
      const vt = tf.mul(t.v, scale) as tf.Tensor3D;
      const vs = tf.mul(alignToTeacher(s.v, t.v), scale) as tf.Tensor3D;
      if (previous) {
        const diff = tf.square(tf.sub(rbf(vs, previous.vs), rbf(vt, previous.vt)));
        losses.push(tf.sum(tf.where(tf.isFinite(diff), diff, tf.zerosLike(diff))));
      }
      previous = { vs, vt };
    });
    if (losses.length === 0) return tf.scalar(0);
    return tf.div(tf.addN(losses), student[0]!.shape[0]) as tf.Scalar;
  });
}

const schema = z.strictObject({
  /** Singular vectors kept from the teacher (`KDSVD.K`); the student keeps k + 3 to align. */
  k: z.number().int().positive().default(1),
  ...weightFields(1),
});

/** `kdsvd`: SVD-based self-supervised KD on the stage outputs (`feats[1:]`), mdistiller defaults. */
export const kdsvdDefinition: LossDefinition<typeof schema> = {
  name: 'kdsvd',
  description: "KDSVD: RBF relations between consecutive stages' top right singular vectors, the student's aligned to the teacher's",
  schema,
  needsReference: true,
  requirements: () => FEATURE_REQUIREMENTS,
  create: (options, context = {}) => {
    const where = context.keyPath ?? 'kdsvd';
    const shapes = context.featureShapes;
    if (shapes?.reference) {
      // Stage i of both models is viewed as [C*H, W] matrices whose W right singular vectors are compared.
      const s = stageFeatureNames(Object.keys(shapes.model)).slice(1);
      const t = stageFeatureNames(Object.keys(shapes.reference)).slice(1);
      for (let i = 0; i < Math.min(s.length, t.length); i++) {
        const ws = shapes.model[s[i]!]![1];
        const wt = shapes.reference[t[i]!]![1];
        if (ws !== wt) throw new ConfigError(where, `loss 'kdsvd' compares singular vectors of paired stages, which need equal map widths: student '${s[i]}' is ${ws} wide, teacher '${t[i]}' ${wt}`);
      }
    }
    return featureTerm({
      name: 'kdsvd',
      ceWeight: options.ceWeight,
      weight: options.weight,
      featureLoss: (ctx) => kdsvdLoss(...pairedStages(ctx, 'kdsvd'), options.k),
    });
  },
};
