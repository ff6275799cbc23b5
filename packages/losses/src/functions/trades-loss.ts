import * as tf from '@tensorflow/tfjs';
import { softmaxParts } from '../math/softmax-parts.js';
import { scalarCustomGrad } from '../math/custom-grad.js';
import { assertLogits, assertSameShape, checkValues } from '../validation/check-inputs.js';

/** Options of {@link tradesLoss}. */
export interface TradesLossOptions {
  /** Check inputs for NaN/Inf (one small device read). Default true. */
  readonly validate?: boolean;
}

/**
 * The TRADES robust term `mean_b KL(softmax(natural_b) || softmax(adversarial_b))`.
 *
 * Both sides are trainable (unlike {@link kdLoss}): with `p = softmax(natural)`,
 * `q = softmax(adversarial)` and `delta = log p - log q`, the gradients are
 * `(q - p) / B` for the adversarial logits and `p * (delta - sum_k p_k delta_k) / B` for the natural
 * logits. The TRADES weight (beta) is applied by the caller / the `trades` loss plugin.
 *
 * @param natural - float32 `[B, C]` clean-image logits.
 * @param adversarial - float32 `[B, C]` adversarial-image logits.
 * @returns a scalar.
 */
export function tradesLoss(natural: tf.Tensor, adversarial: tf.Tensor, options: TradesLossOptions = {}): tf.Scalar {
  assertLogits('natural', natural);
  assertLogits('adversarial', adversarial);
  assertSameShape('natural', natural, 'adversarial', adversarial);
  if (options.validate !== false) checkValues({ finite: [['natural', natural], ['adversarial', adversarial]] });

  const batch = natural.shape[0];
  const loss = scalarCustomGrad(([n, a], save) => {
    const p = softmaxParts(n as tf.Tensor2D);
    const q = softmaxParts(a as tf.Tensor2D);
    const delta = tf.sub(p.logProbs, q.logProbs);
    const perRow = tf.sum(tf.mul(p.probs, delta), 1, true);
    save([p.probs, q.probs, delta, perRow]);
    return {
      value: tf.mul(tf.sum(perRow), 1 / batch) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, [pProbs, qProbs, d, kl]: tf.Tensor[]) => {
        const scale = tf.mul(dy, 1 / batch);
        return [tf.mul(tf.mul(pProbs!, tf.sub(d!, kl!)), scale), tf.mul(tf.sub(qProbs!, pProbs!), scale)];
      },
    };
  });
  return loss(natural, adversarial) as tf.Scalar;
}
