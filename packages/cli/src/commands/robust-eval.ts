import * as tf from '@tensorflow/tfjs';
import { RobustEvalPlugin, type AttackDefinition, type ForwardFn } from '@dkl/attacks';
import { ConfigError, type BatchLoader, type ClassifierModel } from '@dkl/core';
import type { TransformSpec } from '@dkl/data';

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

/** `dkl eval`'s own defaults for an attack's options (the paper's evaluation runs PGD-20). */
const EVAL_DEFAULTS: Readonly<Record<string, Record<string, unknown>>> = { pgd: { steps: 20 } };

/**
 * Robust accuracy on the first `limit` examples of a loader under any registered attack (`pgd` is
 * PGD-20, L-inf, step eps/4, random start; `autoattack` the standard suite), through the same
 * path as the `robust-eval` plugin. The loader's inputs must be pixels in [0, 1] and `forward`
 * the model on them (see {@link inPixelSpace}).
 */
export async function robustEvaluation(
  forward: ForwardFn,
  loader: BatchLoader,
  options: { attack: string; attackOptions?: Record<string, unknown>; attacks: readonly AttackDefinition<any>[]; epsilon: number; limit: number; seed: number | string },
): Promise<RobustEvaluation> {
  const plugin = new RobustEvalPlugin({
    attack: { ...EVAL_DEFAULTS[options.attack], ...options.attackOptions, name: options.attack, eps: options.epsilon, seed: options.seed },
    attacks: options.attacks,
    data: loader,
    maxExamples: options.limit,
    split: 'eval',
  });
  const result = await plugin.evaluate(forward);
  return { robustAccuracy: result.robustAccuracy, cleanAccuracy: result.cleanAccuracy, count: result.examples };
}
