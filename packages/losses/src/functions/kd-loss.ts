import * as tf from '@tensorflow/tfjs';
import { shiftedExp } from '../math/softmax-parts.js';
import { rowDot } from '../math/row-dot.js';
import { scalarCustomGrad } from '../math/custom-grad.js';
import { assertLogits, assertPositive, assertSameShape, checkValues } from '../validation/check-inputs.js';

/** Options of {@link kdLoss}. */
export interface KdLossOptions {
  /** Softening temperature T > 0 applied to both logits. */
  readonly temperature: number;
  /** Check inputs for NaN/Inf (one small device read). Default true. */
  readonly validate?: boolean;
}

/**
 * Hinton knowledge distillation: `T^2 * mean_b KL(softmax(teacher_b / T) || softmax(student_b / T))`.
 *
 * The teacher is a constant: its gradient is zero. The student gradient is
 * `T * (softmax(s / T) - softmax(t / T)) / B` (custom gradient, no autodiff graph).
 *
 * @param student - float32 `[B, C]` logits being trained.
 * @param teacher - float32 `[B, C]` teacher logits.
 * @returns a scalar.
 */
export function kdLoss(student: tf.Tensor, teacher: tf.Tensor, options: KdLossOptions): tf.Scalar {
  assertLogits('student', student);
  assertLogits('teacher', teacher);
  assertSameShape('student', student, 'teacher', teacher);
  const temperature = options?.temperature;
  assertPositive('options.temperature', temperature);
  if (options.validate !== false) checkValues({ finite: [['student', student], ['teacher', teacher]] });

  const batch = student.shape[0];
  const loss = scalarCustomGrad(([s, t], save) => {
    const q = shiftedExp(s as tf.Tensor2D, temperature);
    const p = shiftedExp(t as tf.Tensor2D, temperature);
    const pProbs = tf.div(p.exp, p.sum) as tf.Tensor2D;
    save([tf.div(q.exp, q.sum), pProbs]);
    // KL_b = sum_j p_j (log p_j - log q_j) = p_b . (zt_b - zs_b) - log St_b + log Ss_b
    const perRow = tf.add(tf.sub(rowDot(pProbs, tf.sub(p.shifted, q.shifted) as tf.Tensor2D), tf.log(p.sum)), tf.log(q.sum));
    const kl = tf.sum(perRow);
    return {
      value: tf.mul(kl, (temperature * temperature) / batch) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, [qProbs, pProbs]: tf.Tensor[]) => [
        tf.mul(tf.sub(qProbs!, pProbs!), tf.mul(dy, temperature / batch)),
        tf.zerosLike(t!),
      ],
    };
  });
  return loss(student, teacher) as tf.Scalar;
}
