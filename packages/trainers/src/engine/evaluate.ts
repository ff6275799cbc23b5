import * as tf from '@tensorflow/tfjs';
import { faultPoint, type BatchLoader, type ClassifierModel } from '@dkl/core';

export interface EvaluationResult {
  /** Mean cross-entropy. */
  readonly loss: number;
  /** Top-1 and top-5 accuracy in [0, 1]. */
  readonly top1: number;
  readonly top5: number;
  readonly count: number;
}

/** Number of rows whose label is among the k largest logits. */
export function topKCorrect(logits: tf.Tensor, labels: tf.Tensor, k: number): tf.Scalar {
  return tf.tidy(() => {
    const kk = Math.min(k, logits.shape[1]!);
    const { indices } = tf.topk(logits as tf.Tensor2D, kk);
    return indices.equal(labels.reshape([-1, 1]).cast('int32')).any(1).cast('float32').sum() as tf.Scalar;
  });
}

/**
 * Loss, top-1 and top-5 over a loader with the model in inference mode (BatchNorm uses and never
 * updates its running statistics). Batches are disposed as they are consumed.
 */
export async function evaluateModel(model: ClassifierModel, loader: BatchLoader, epoch = 1): Promise<EvaluationResult> {
  let loss = 0;
  let top1 = 0;
  let top5 = 0;
  let count = 0;
  for await (const batch of loader.batches(epoch)) {
    try {
      const sums = tf.tidy(() => {
        const logits = model.forward(batch.x, { training: false }).logits;
        const ce = tf.losses.softmaxCrossEntropy(tf.oneHot(batch.y.cast('int32'), logits.shape[1]!), logits, undefined, undefined, tf.Reduction.SUM);
        return tf.stack([ce, topKCorrect(logits, batch.y, 1).cast('float32'), topKCorrect(logits, batch.y, 5).cast('float32')].map((t) => t.reshape([])));
      });
      // One asynchronous read per batch (GPU backends have no synchronous readback).
      const [l, t1, t5] = await sums.data();
      sums.dispose();
      loss += l!;
      top1 += t1!;
      top5 += t5!;
      count += batch.y.shape[0]!;
      faultPoint('eval-batch', String(count));
    } finally {
      tf.dispose([batch.x, batch.y]);
    }
  }
  return count === 0 ? { loss: NaN, top1: NaN, top5: NaN, count } : { loss: loss / count, top1: top1 / count, top5: top5 / count, count };
}
