import * as tf from '@tensorflow/tfjs';
import { attackPlanOf, resolveAttack, runAttackPlan, type AttackDefinition, type ForwardFn, type Norm } from '@dkl/attacks';
import { ConfigError, type BatchLoader, type ClassifierModel } from '@dkl/core';
import type { TransformSpec } from '@dkl/data';

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

/** Options of {@link robustEvaluation}. */
export interface RobustEvaluationOptions {
  readonly attack: string;
  readonly attackOptions?: Record<string, unknown>;
  readonly attacks: readonly AttackDefinition<any>[];
  readonly epsilon: number;
  readonly norm: Norm;
  /** Examples to evaluate: the first `limit` of the split (default: all of it). */
  readonly limit?: number;
  readonly seed: number | string;
  /** Examples per attack call. */
  readonly batchSize: number;
  /** Resumable state file, rewritten after every attacked batch. */
  readonly statePath?: string;
  readonly log?: (line: string) => void;
}

export interface RobustEvaluation {
  readonly robustAccuracy: number;
  readonly cleanAccuracy: number;
  readonly count: number;
  /** Robust accuracy after each attack of the plan (AutoAttack's attacks; one entry for a single attack). */
  readonly perAttack: Readonly<Record<string, number>>;
  readonly resumedAttacks: readonly string[];
  readonly resumedBatches: number;
  /** Seconds per attack and in all (clean pass included), summed over invocations; undefined where unknown. */
  readonly perAttackSeconds: Readonly<Record<string, number | undefined>>;
  readonly totalSeconds: number | undefined;
}

/**
 * Robust accuracy on the first `limit` examples of a loader (default all) under any registered
 * attack (`pgd` is PGD-20, step eps/4, random start; `autoattack` a version of the suite), as the
 * attack's plan: each of its attacks on the examples still robust, in batches seeded by (seed,
 * attack, batch index), with the state written after every batch to `statePath` so a killed
 * evaluation resumes where it stopped. The loader's inputs must be pixels in [0, 1] and `forward`
 * the model on them (see {@link inPixelSpace}).
 */
export async function robustEvaluation(forward: ForwardFn, loader: BatchLoader, options: RobustEvaluationOptions): Promise<RobustEvaluation> {
  const { definition, options: parsed, norm } = resolveAttack(
    { ...EVAL_DEFAULTS[options.attack], ...options.attackOptions, name: options.attack, eps: options.epsilon, norm: options.norm },
    options.attacks,
  );
  const log = options.log ?? (() => undefined);
  const plan = attackPlanOf(definition, parsed, { eps: options.epsilon, norm }, (message) => log(`[robust-eval] warning: ${message}`));
  const { x, y } = await firstExamples(loader, options.limit ?? Infinity);
  try {
    const result = await runAttackPlan(forward, x, y, plan, {
      norm,
      eps: options.epsilon,
      seed: options.seed,
      batchSize: options.batchSize,
      ...(options.statePath ? { statePath: options.statePath } : {}),
      onWarning: (message) => log(`[robust-eval] warning: ${message}`),
      onBatchEnd: (attack, batch, batches) => log(`[robust-eval] ${attack}: batch ${batch + 1}/${batches}`),
      onAttackEnd: (attack, accuracy, resumed) => log(`[robust-eval] ${attack}: robust accuracy ${(100 * accuracy).toFixed(2)}%${resumed ? ' (from the state file)' : ''}`),
    });
    return {
      robustAccuracy: result.robustAccuracy,
      cleanAccuracy: result.cleanAccuracy,
      count: result.robustFlags.length,
      perAttack: result.perAttack,
      resumedAttacks: result.resumed,
      resumedBatches: result.resumedBatches,
      perAttackSeconds: result.perAttackSeconds,
      totalSeconds: result.totalSeconds,
    };
  } finally {
    tf.dispose([x, y]);
  }
}

/** The first `limit` examples of a loader's (unshuffled) epoch as two tensors (copies: the loader owns its batches). */
async function firstExamples(loader: BatchLoader, limit: number): Promise<{ x: tf.Tensor; y: tf.Tensor }> {
  const xs: tf.Tensor[] = [];
  const ys: tf.Tensor[] = [];
  let count = 0;
  try {
    for await (const batch of loader.batches(1)) {
      const take = Math.min(batch.x.shape[0]!, limit - count);
      xs.push(tf.tidy(() => batch.x.slice(0, take).clone()));
      ys.push(tf.tidy(() => batch.y.slice(0, take).toInt()));
      count += take;
      if (count >= limit) break;
    }
    if (count === 0) throw new ConfigError('data.eval', 'the evaluation split is empty: nothing to attack');
    return { x: tf.concat(xs), y: tf.concat(ys) };
  } finally {
    tf.dispose([...xs, ...ys]);
  }
}
