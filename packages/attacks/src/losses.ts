import * as tf from '@tensorflow/tfjs';
import { ArgumentError } from '@dkl/core';
import type { ForwardFn } from './forward.js';

/**
 * An attack objective: `(logits [B, C], labels int32 [B]) => loss`, per example `[B]` or a
 * scalar. Attacks maximise it (untargeted) or minimise it towards `targets` (targeted).
 */
export type AttackLoss = (logits: tf.Tensor, labels: tf.Tensor) => tf.Tensor;

/** Per-example cross-entropy `[B]` of logits against integer labels. */
export function crossEntropyPerExample(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels.toInt(), logits.shape[1]!);
    return tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1));
  });
}

/** `z_y` and `max_{j != y} z_j`, each `[B]`. */
export function trueAndBestOther(logits: tf.Tensor, labels: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels.toInt(), logits.shape[1]!).toFloat();
    const correct = tf.sum(logits.mul(oneHot), 1);
    const other = tf.max(logits.sub(oneHot.mul(1e9)), 1);
    return [correct, other];
  });
}

/** Per-example margin `z_y - max_{j != y} z_j`; negative means misclassified. */
export function margin(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const [correct, other] = trueAndBestOther(logits, labels);
    return correct.sub(other);
  });
}

/**
 * The margins of chosen rows as plain numbers: the returned `(data, rows)` runs `forward` on `data`
 * (those `rows.length` examples, HWC of `imageShape`, packed) and returns their margins against
 * `labels[rows[j]]` (what the Square attack reads after every proposal).
 */
export function rowMargins(forward: ForwardFn, labels: Int32Array, imageShape: readonly [number, number, number]) {
  return (data: Float32Array, rows: readonly number[]): Float32Array => {
    const m = tf.tidy(() => {
      const xs = tf.tensor4d(data, [rows.length, ...imageShape]);
      const ys = tf.tensor1d(Int32Array.from(rows, (i) => labels[i]!), 'int32');
      return margin(forward(xs), ys);
    });
    const values = Float32Array.from(m.dataSync() as Float32Array);
    m.dispose();
    return values;
  };
}

/**
 * Carlini-Wagner margin loss as used for CW-k PGD evaluations:
 * `-relu(z_y - max_{j != y} z_j + confidence)` per example. Maximising it pushes the true
 * logit below the best other one by `confidence` (default 50).
 */
export function cwLoss(logits: tf.Tensor, labels: tf.Tensor, confidence = 50): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.relu(margin(logits, labels).add(confidence))));
}

/** Alias of {@link cwLoss}: the CW margin loss. */
export const cw = cwLoss;

function checkClasses(logits: tf.Tensor, min: number, loss: string): void {
  if ((logits.shape[1] ?? 0) < min) throw new ArgumentError('loss', `'${loss}' needs at least ${min} classes, the model has ${logits.shape[1]}`);
}

/**
 * The k largest logits, each `[B]`, differentiable: tfjs has no gradient for TopK, so the
 * ranking comes from topk on a copy detached from the gradient tape (a host round trip) and the
 * values are picked with one-hot masks, through which the gradient flows.
 */
function sortedLogits(logits: tf.Tensor, k: number): tf.Tensor[] {
  const c = logits.shape[1]!;
  const detached = tf.tensor(logits.dataSync(), logits.shape, 'float32');
  const order = tf.unstack(tf.topk(detached, k).indices, 1);
  return order.map((idx) => tf.sum(logits.mul(tf.oneHot(idx, c)), 1));
}

/**
 * Difference-of-logits-ratio loss (Croce & Hein 2020), per example:
 * `-(z_y - max_{j != y} z_j) / (z_pi1 - z_pi3 + 1e-12)` with `z_pi` the sorted logits.
 * Invariant to shifting and rescaling the logits. Needs >= 3 classes.
 */
export function dlrLoss(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  checkClasses(logits, 3, 'dlr');
  return tf.tidy(() => {
    const [z1, , z3] = sortedLogits(logits, 3) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [correct, other] = trueAndBestOther(logits, labels);
    return tf.neg(correct.sub(other)).div(z1.sub(z3).add(1e-12));
  });
}

/**
 * Targeted DLR loss (APGD-T), per example:
 * `-(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12)`. Needs >= 4 classes.
 */
export function dlrTargetedLoss(logits: tf.Tensor, labels: tf.Tensor, targets: tf.Tensor): tf.Tensor {
  checkClasses(logits, 4, 'dlr-targeted');
  return tf.tidy(() => {
    const [z1, , z3, z4] = sortedLogits(logits, 4) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const c = logits.shape[1]!;
    const zy = tf.sum(logits.mul(tf.oneHot(labels.toInt(), c)), 1);
    const zt = tf.sum(logits.mul(tf.oneHot(targets.toInt(), c)), 1);
    return tf.neg(zy.sub(zt)).div(z1.sub(z3.add(z4).mul(0.5)).add(1e-12));
  });
}

/** Named attack losses: `'ce'` (cross-entropy), `'cw'` (CW margin) or `'dlr'`. */
export type NamedLoss = 'ce' | 'cw' | 'dlr';

/** Resolves a loss name or function to a function. */
export function resolveLoss(loss: NamedLoss | AttackLoss | undefined): AttackLoss {
  if (loss === undefined || loss === 'ce') return crossEntropyPerExample;
  if (loss === 'cw') return (z, y) => cwLoss(z, y);
  if (loss === 'dlr') return dlrLoss;
  if (typeof loss === 'function') return loss;
  throw new ArgumentError('loss', `must be 'ce', 'cw', 'dlr' or a function (logits, labels) => loss, got ${String(loss)}`);
}
