import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ShapeError, type Batch, type ClassifierModel, type LossContext, type LossTerm } from '@dkl/core';
import { crossEntropy } from '@dkl/losses';
import type { StepContext } from '../engine/step.js';

/** The stream carrying view `view` of the unlabelled split (`data.unlabelled.views.<view>` in a config). */
export const unlabelledStream = (view: string): string => `unlabelled/${view}`;

/** The unlabelled views a step reads, by stream name, checked to be the same examples' views (one batch size). */
export function unlabelledViews<V extends string>(context: StepContext, views: readonly V[]): Record<V, Batch> {
  const out = {} as Record<V, Batch>;
  for (const view of views) {
    const batch = context.streams[unlabelledStream(view)];
    if (!batch) {
      const given = Object.keys(context.streams);
      throw new ArgumentError('streams', `the step reads the unlabelled view '${view}' (stream '${unlabelledStream(view)}'), but the engine was given ${given.length ? given.join(', ') : 'no streams'}`);
    }
    out[view] = batch;
  }
  const sizes = views.map((v) => out[v].x.shape[0]);
  if (new Set(sizes).size > 1) throw new ShapeError('streams', `views ${views.join(', ')} of one unlabelled batch with equal sizes`, sizes);
  return out;
}

/** The supervised part's terms: `trainer.losses`, or hard-label cross-entropy when none are given. */
export function supervisedTerms(losses: readonly LossTerm[] | undefined): readonly LossTerm[] {
  return losses && losses.length > 0 ? losses : [{ name: 'ce', compute: (ctx) => crossEntropy(ctx.logits, ctx.targets ?? ctx.labels) }];
}

/**
 * A consistency term evaluated on the rows `rows` (int32 [n]) of the unlabelled batch and scaled
 * by `n / total`: the masked mean over all `total` rows that FixMatch's `mean(mask * loss)` is,
 * for any term that is a mean over its rows (`ce`, `kd`, `dkl`, `ikl`...). No row: 0.
 */
export function consistencyOnRows(term: LossTerm, context: LossContext, rows: tf.Tensor | undefined, total: number): tf.Scalar {
  if (!rows) return term.compute(context);
  const n = rows.shape[0]!;
  if (n === 0) return tf.scalar(0);
  const pick = (t: tf.Tensor) => tf.gather(t, rows);
  const selected: LossContext = {
    ...context,
    logits: pick(context.logits),
    labels: pick(context.labels),
    ...(context.reference ? { reference: pick(context.reference) } : {}),
  };
  return tf.mul(term.compute(selected), n / total) as tf.Scalar;
}

/**
 * The labelled and an unlabelled batch through `model` in one training-mode pass (BatchNorm
 * statistics over both, as FixMatch and Mean Teacher do); returns the two parts' logits.
 */
export function forwardJointly(model: ClassifierModel, labelled: tf.Tensor, unlabelled: tf.Tensor): { labelled: tf.Tensor; unlabelled: tf.Tensor } {
  const B = labelled.shape[0]!;
  const all = model.forward(tf.concat([labelled, unlabelled]), { training: true }).logits;
  return { labelled: tf.slice(all, [0, 0], [B, -1]), unlabelled: tf.slice(all, [B, 0], [unlabelled.shape[0]!, -1]) };
}
