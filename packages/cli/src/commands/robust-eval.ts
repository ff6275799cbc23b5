import * as tf from '@tensorflow/tfjs';
import { autoAttack, pgd, type ForwardFn } from '@dkl/attacks';
import { ConfigError, type BatchLoader, type ClassifierModel } from '@dkl/core';
import type { TransformSpec } from '@dkl/data';

export type AttackName = 'pgd' | 'autoattack';

export interface RobustEvaluation {
  readonly robustAccuracy: number;
  readonly cleanAccuracy: number;
  readonly count: number;
}

/**
 * Attacks perturb pixels in [0, 1] and measure eps there. A split whose pipeline ends with
 * `normalize` is read with `to-float` instead, and the normalisation moves into the forward
 * function (as RobustBench's models normalise inside), so the model sees the same inputs.
 * @throws ConfigError when `normalize` is not the last transform (it would not commute).
 */
export function inPixelSpace(transforms: readonly TransformSpec[], model: ClassifierModel, keyPath: string): { transforms: TransformSpec[]; forward: ForwardFn } {
  const raw: ForwardFn = (x) => model.forward(x, { training: false }).logits;
  const at = transforms.findIndex((t) => t.kind === 'normalize');
  if (at < 0) return { transforms: [...transforms], forward: raw };
  const step = transforms[at]!;
  if (at !== transforms.length - 1 || step.kind !== 'normalize') {
    throw new ConfigError(`${keyPath}.transforms[${at}]`, 'robust evaluation needs normalize as the last transform of the split, so that it can run inside the model on [0, 1] pixels');
  }
  const { mean, std } = step;
  return {
    transforms: [...transforms.slice(0, at), { kind: 'to-float' }],
    forward: (x) => tf.tidy(() => raw(x.sub(tf.tensor1d(mean as number[])).div(tf.tensor1d(std as number[])))),
  };
}

/**
 * Robust accuracy on the first `limit` examples of a loader: PGD-20 (L-inf, step eps/4, random
 * start) or AutoAttack standard. The loader's inputs must be pixels in [0, 1] and `forward` the
 * model on them (see {@link inPixelSpace}).
 */
export async function robustEvaluation(
  forward: ForwardFn,
  loader: BatchLoader,
  options: { attack: AttackName; epsilon: number; limit: number; seed: number | string },
): Promise<RobustEvaluation> {
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
        const result = await autoAttack(forward, x, y, { norm: 'linf', eps: options.epsilon, version: 'standard', batchSize: take });
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
