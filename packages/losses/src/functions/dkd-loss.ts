import * as tf from '@tensorflow/tfjs';
import { scaleLogits } from '../math/softmax-parts.js';
import { scalarCustomGrad } from '../math/custom-grad.js';
import {
  assertLabels,
  assertLogits,
  assertNonNegative,
  assertPositive,
  assertSameShape,
  checkValues,
} from '../validation/check-inputs.js';

/** Options of {@link dkdLoss} (names as in Zhao et al. 2022 and mdistiller). */
export interface DkdLossOptions {
  /** Weight of the target-class term TCKD. */
  readonly alpha: number;
  /** Weight of the non-target-class term NCKD. */
  readonly beta: number;
  /** Softening temperature T > 0. */
  readonly temperature: number;
  /** Check inputs for NaN/Inf and labels for range (one small device read). Default true. */
  readonly validate?: boolean;
}

/** Target and non-target log-probabilities of `x / T`, all finite for finite inputs. */
function decompose(x: tf.Tensor2D, hot: tf.Tensor2D, temperature: number) {
  const z = scaleLogits(tf.sub(x, tf.max(x, 1, true)), temperature);
  const lse = tf.logSumExp(z, 1, true);
  const zTarget = tf.sum(tf.mul(z, hot), 1, true);
  // Non-target log-sum-exp: shift by the non-target max, drop the target entry with `where`
  // (forward only; this runs inside a custom gradient, so the unselected exp never reaches a grad).
  const isTarget = tf.cast(hot, 'bool');
  const zMasked = tf.where(isTarget, tf.fill(z.shape, -Infinity), z);
  const ntMax = tf.max(zMasked, 1, true);
  const lseNonTarget = tf.add(ntMax, tf.log(tf.sum(tf.exp(tf.sub(zMasked, ntMax)), 1, true)));
  return {
    logTarget: tf.sub(zTarget, lse), // log p_g
    logRest: tf.sub(lseNonTarget, lse), // log (1 - p_g)
    logNonTarget: tf.sub(z, lseNonTarget), // log p̂_j (meaningless at the target entry; masked out)
    isTarget,
  };
}

/**
 * Decoupled knowledge distillation (Zhao et al., CVPR 2022):
 * `(alpha * TCKD + beta * NCKD) * T^2`, summed over the batch and divided by B.
 * TCKD is the binary KL between teacher and student target-vs-rest probabilities; NCKD is the KL
 * between their distributions over the non-target classes. The teacher gets zero gradient; the
 * student gradient is closed form (custom gradient).
 *
 * @param student - float32 `[B, C]` (C >= 2).
 * @param teacher - float32 `[B, C]`.
 * @param labels - int32 `[B]` ground-truth classes.
 * @returns a scalar.
 */
export function dkdLoss(student: tf.Tensor, teacher: tf.Tensor, labels: tf.Tensor, options: DkdLossOptions): tf.Scalar {
  assertLogits('student', student);
  assertLogits('teacher', teacher);
  assertSameShape('student', student, 'teacher', teacher);
  const [batch, numClasses] = student.shape as [number, number];
  assertLabels('labels', labels, batch, 'student');
  assertNonNegative('options.alpha', options?.alpha);
  assertNonNegative('options.beta', options.beta);
  assertPositive('options.temperature', options.temperature);
  if (options.validate !== false) {
    checkValues({ finite: [['student', student], ['teacher', teacher]], labels: { name: 'labels', tensor: labels, numClasses } });
  }
  const { alpha, beta, temperature: T } = options;

  const loss = scalarCustomGrad(([s, t], save) => {
    const hot = tf.oneHot(labels as tf.Tensor1D, numClasses, 1, 0, 'float32') as tf.Tensor2D;
    const st = decompose(s as tf.Tensor2D, hot, T);
    const te = decompose(t as tf.Tensor2D, hot, T);
    const pTarget = tf.exp(te.logTarget);
    const pRest = tf.exp(te.logRest);
    const tckd = tf.add(
      tf.mul(pTarget, tf.sub(te.logTarget, st.logTarget)),
      tf.mul(pRest, tf.sub(te.logRest, st.logRest)),
    );
    const zeros = tf.zerosLike(hot);
    const pHat = tf.where(te.isTarget, zeros, tf.exp(te.logNonTarget));
    const qHat = tf.where(st.isTarget, zeros, tf.exp(st.logNonTarget));
    const nckdTerms = tf.where(te.isTarget, zeros, tf.mul(pHat, tf.sub(te.logNonTarget, st.logNonTarget)));
    const value = tf.mul(
      tf.add(tf.mul(tf.sum(tckd), alpha), tf.mul(tf.sum(nckdTerms), beta)),
      (T * T) / batch,
    ) as tf.Scalar;
    const qTarget = tf.exp(st.logTarget);
    save([hot, qHat, pHat, tf.sub(qTarget, pTarget)]);
    return {
      value,
      // d/dz_g = alpha (q_g - p_g); d/dz_j = -alpha (q_g - p_g) q̂_j + beta (q̂_j - p̂_j) for j != g;
      // z = s / T, and the T^2 / B factor leaves T / B for d/ds.
      gradFunc: (dy: tf.Tensor, [oneHot, qh, ph, gap]: tf.Tensor[]) => {
        const tc = tf.mul(gap!, alpha);
        const gTarget = tf.mul(oneHot!, tc);
        const gRest = tf.sub(tf.mul(tf.sub(qh!, ph!), beta), tf.mul(qh!, tc));
        return [tf.mul(tf.add(gTarget, gRest), tf.mul(dy, T / batch)), tf.zerosLike(t!)];
      },
    };
  });
  return loss(student, teacher) as tf.Scalar;
}
