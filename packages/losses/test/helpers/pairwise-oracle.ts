import * as tf from '@tensorflow/tfjs';
import type { DecoupledKLOptions } from '../../src/index.js';

/** Identity with zero gradient (tfjs has no stop-gradient op). */
export const stopGradient = (x: tf.Tensor): tf.Tensor =>
  tf.customGrad(((input: tf.Tensor) => ({ value: input.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) })) as never)(x) as tf.Tensor;

/**
 * TEST ORACLE, not exported by the package: the authors' pairwise form of the DKL family, built
 * from `[B, C, C]` difference tensors and differentiated by tfjs autodiff, with the stop-gradients
 * placed as in the papers (weights and soft label always; the trained-side differences when not
 * symmetric; the reference-side differences unless referenceGradient).
 */
export function pairwiseDecoupledKL(reference: tf.Tensor2D, trained: tf.Tensor2D, options: DecoupledKLOptions = {}): tf.Scalar {
  const T = options.temperature ?? 1;
  const a = options.softLabelWeight ?? 1;
  const b = options.wmseWeight ?? 1;
  const gamma = options.gamma ?? 1;
  const [B, C] = reference.shape;
  return tf.tidy(() => {
    const r = options.referenceGradient ? reference : stopGradient(reference);
    const t = options.symmetric === false ? stopGradient(trained) : trained;
    const deltaR = tf.sub(tf.reshape(r, [B, C, 1]), tf.reshape(r, [B, 1, C]));
    const deltaT = tf.sub(tf.reshape(t, [B, C, 1]), tf.reshape(t, [B, 1, C]));
    const base = options.classWeights ?? tf.softmax(tf.div(reference, options.weightTemperature ?? 1));
    const w = stopGradient(gamma === 0 ? tf.onesLike(base) : tf.pow(base, gamma));
    const pairW = tf.mul(tf.reshape(w, [B, C, 1]), tf.reshape(w, [B, 1, C]));
    const sum = tf.sum(tf.mul(pairW, tf.square(tf.sub(deltaR, deltaT))));
    const norm = options.normalization === 'weights' ? tf.sum(pairW) : tf.scalar(B);
    const wmse = tf.div(tf.mul(sum, 0.25), norm);
    const soft = stopGradient(tf.softmax(tf.div(reference, T)));
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(soft, tf.logSoftmax(tf.div(trained, T))), 1)));
    return tf.add(tf.mul(wmse, b), tf.mul(ce, a)) as tf.Scalar;
  });
}
