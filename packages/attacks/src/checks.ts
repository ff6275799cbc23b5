import * as tf from '@tensorflow/tfjs';
import type { ForwardFn } from './forward.js';
import { crossEntropyPerExample } from './losses.js';

/** Receives the message of a sanity check that fired. */
export type WarningHandler = (message: string) => void;

/**
 * The model gives different outputs for identical calls (dropout left on, random
 * preprocessing): gradient attacks then underestimate robustness; use EOT.
 */
export function checkRandomized(forward: ForwardFn, x: tf.Tensor, warn: WarningHandler): boolean {
  const diff = tf.tidy(() => tf.max(tf.abs(forward(x).sub(forward(x)))));
  const d = diff.dataSync()[0]!;
  diff.dispose();
  if (d > 1e-7) {
    warn(`it seems that the output is a randomised function of the input (max difference ${d.toExponential(2)} between identical calls): use an EOT attack for a reliable evaluation`);
    return true;
  }
  return false;
}

/** Rows sum to 1 with non-negative entries: the model returns probabilities, not logits. */
export function checkSoftmaxOutput(forward: ForwardFn, x: tf.Tensor, warn: WarningHandler): boolean {
  const [sumsOff, minValue] = tf.tidy(() => {
    const out = forward(x);
    return [tf.max(tf.abs(tf.sum(out, 1).sub(1))), tf.min(out)];
  });
  const off = sumsOff!.dataSync()[0]!;
  const min = minValue!.dataSync()[0]!;
  tf.dispose([sumsOff!, minValue!]);
  if (off < 1e-5 && min >= 0) {
    warn('it seems that the output of the model sums to 1 per row (softmax probabilities): the attacks expect logits; the cross-entropy and DLR losses are unreliable on probabilities');
    return true;
  }
  return false;
}

/** Some examples have an all-zero input gradient (gradient masking, e.g. rounding or clipping). */
export function checkZeroGradients(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, warn: WarningHandler): number {
  const perExample = tf.tidy(() => {
    const g = tf.grad((xi: tf.Tensor) => crossEntropyPerExample(forward(xi), y).sum())(x);
    return tf.sum(tf.abs(g), [1, 2, 3]);
  });
  const sums = Float32Array.from(perExample.dataSync() as Float32Array);
  perExample.dispose();
  const zero = Array.from(sums).filter((v) => v < 1e-8).length;
  if (zero > 0) {
    warn(`there are ${zero} points with zero gradient: this might lead to unreliable evaluation with gradient-based attacks`);
  }
  return zero;
}

/**
 * The black-box Square attack lowered robust accuracy below every white-box attack by more than
 * `alpha`: a sign that gradients are obfuscated.
 */
export function checkSquareStronger(perAttack: Readonly<Record<string, number>>, warn: WarningHandler, alpha = 0.002): boolean {
  if (!('square' in perAttack)) return false;
  const others = Object.entries(perAttack).filter(([name]) => name !== 'square' && name !== 'clean');
  if (others.length === 0) return false;
  const whiteBox = Math.min(...others.map(([, v]) => v));
  const decrease = whiteBox - perAttack['square']!;
  if (decrease > alpha) {
    warn(`Square attack (black-box) decreased the robust accuracy by a further ${(100 * decrease).toFixed(2)}% after the white-box attacks: the evaluation with gradient-based attacks might be unreliable (gradient masking); consider more Square queries and restarts or an adaptive attack`);
    return true;
  }
  return false;
}
