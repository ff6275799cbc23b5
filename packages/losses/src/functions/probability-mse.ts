import * as tf from '@tensorflow/tfjs';
import { ArgumentError } from '@dkl/core/errors';
import { scalarCustomGrad } from '../math/custom-grad.js';
import { assertLogits, assertSameShape } from '../validation/check-inputs.js';

/**
 * Mean Teacher's consistency cost (Tarvainen & Valpola 2017): the squared distance between the
 * class probabilities of the trained and the reference logits, averaged over classes and rows,
 * `mean_b mean_j (softmax(t_b / T)_j - softmax(r_b / T)_j)^2`. The reference side gets no
 * gradient (the teacher is an EMA of the student, never trained by this cost).
 *
 * Gradient into the trained logits (closed form, softmax Jacobian):
 * `dL/dt_bj = p_bj (g_bj - sum_k p_bk g_bk) / T` with `g = 2 (p - q) / (B C)`.
 *
 * @param trained - float32 `[B, C]` logits of the trained model.
 * @param reference - float32 `[B, C]` teacher logits.
 */
export function probabilityMse(trained: tf.Tensor, reference: tf.Tensor, options: { readonly temperature?: number } = {}): tf.Scalar {
  assertLogits('trained', trained);
  assertLogits('reference', reference);
  assertSameShape('trained', trained, 'reference', reference);
  const T = options.temperature ?? 1;
  if (!(T > 0)) throw new ArgumentError('options.temperature', `must be > 0, got ${T}`);
  const n = trained.shape[0] * trained.shape[1];
  const f = scalarCustomGrad(([t, r], save) => {
    const p = tf.softmax(tf.div(t!, T) as tf.Tensor2D);
    const q = tf.softmax(tf.div(r!, T) as tf.Tensor2D);
    const diff = tf.sub(p, q);
    save([p, diff]);
    return {
      value: tf.div(tf.sum(tf.square(diff)), n) as tf.Scalar,
      gradFunc: (dy, [pSaved, dSaved]) => {
        const g = tf.mul(dSaved!, tf.mul(dy, 2 / n));
        const centred = tf.sub(g, tf.sum(tf.mul(pSaved!, g), 1, true));
        return [tf.div(tf.mul(pSaved!, centred), T), tf.zerosLike(r!)];
      },
    };
  });
  return f(trained, reference);
}
