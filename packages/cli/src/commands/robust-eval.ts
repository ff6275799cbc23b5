import * as tf from '@tensorflow/tfjs';
import { autoAttack, pgd } from '@dkl/attacks';
import type { BatchLoader, ClassifierModel } from '@dkl/core';

export type AttackName = 'pgd' | 'autoattack';

export interface RobustEvaluation {
  readonly robustAccuracy: number;
  readonly cleanAccuracy: number;
  readonly count: number;
}

/**
 * Robust accuracy on the first `limit` examples of a loader: PGD-20 (L-inf, step eps/4, random
 * start) or AutoAttack standard. Inputs must be in [0, 1] (configs without normalisation, as in
 * adversarial training).
 */
export async function robustEvaluation(
  model: ClassifierModel,
  loader: BatchLoader,
  options: { attack: AttackName; epsilon: number; limit: number; seed: number | string },
): Promise<RobustEvaluation> {
  const forward = (x: tf.Tensor) => model.forward(x, { training: false }).logits;
  let robust = 0;
  let clean = 0;
  let count = 0;
  let batchIndex = 0;
  for await (const batch of loader.batches(1)) {
    if (count >= options.limit) break;
    const take = Math.min(batch.y.shape[0]!, options.limit - count);
    const x = tf.tidy(() => batch.x.slice(0, take));
    const y = tf.tidy(() => batch.y.slice(0, take));
    try {
      if (options.attack === 'pgd') {
        const adv = pgd(forward, x, y, { norm: 'linf', eps: options.epsilon, stepSize: options.epsilon / 4, steps: 20, randomStart: true, seed: `${String(options.seed)}/${batchIndex}` });
        const [c, r] = tf.tidy(() => [
          forward(x).argMax(1).equal(y.cast('int32')).sum().dataSync()[0]!,
          forward(adv).argMax(1).equal(y.cast('int32')).sum().dataSync()[0]!,
        ]);
        adv.dispose();
        clean += c;
        robust += r;
      } else {
        const result = await autoAttack(model, x, y, { norm: 'linf', eps: options.epsilon, version: 'standard', batchSize: take });
        clean += result.cleanAccuracy * take;
        robust += result.robustAccuracy * take;
      }
    } finally {
      tf.dispose([x, y]);
    }
    count += take;
    batchIndex++;
  }
  return { robustAccuracy: robust / Math.max(count, 1), cleanAccuracy: clean / Math.max(count, 1), count };
}
