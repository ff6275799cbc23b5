/**
 * `flip-consistency`: self-distillation across a mirror image. The model's eval-mode logits on the
 * mirrored batch are the reference (computed outside the gradient tape, like a frozen teacher's),
 * and `trainer.losses` compare them with the training-mode logits on the batch itself, so any
 * distillation loss (`kd`, `dkd`, `ikl`) becomes a consistency term, with its hard-label CE.
 */
import * as tf from '@tensorflow/tfjs';
import { defineTrainer, sumLossTerms } from '@dkl/trainers';
import { z } from 'zod';

export const flipConsistencySchema = z.object({ axis: z.enum(['horizontal', 'vertical']).default('horizontal') }).strict();

/** The batch mirrored left-right (`horizontal`) or top-bottom (`vertical`); NHWC. */
export function mirror(x: tf.Tensor, axis: 'horizontal' | 'vertical'): tf.Tensor {
  return tf.reverse(x, axis === 'horizontal' ? 2 : 1);
}

export const flipConsistencyTrainer = defineTrainer({
  name: 'flip-consistency',
  description: 'self-distillation across a flip: trainer.losses on (logits of the batch, eval-mode logits of its mirror image as the reference)',
  schema: flipConsistencySchema,
  outputs: ['labels', 'logits'],
  providesReference: true,
  teacher: 'none',
  requiresLosses: true,
  createStep: ({ axis }, { model, losses }) => ({
    prepare(batch) {
      return { mirrored: tf.tidy(() => model.forward(mirror(batch.x, axis), { training: false }).logits) };
    },
    compute(batch, prepared, ctx) {
      const logits = model.forward(batch.x, { training: true }).logits;
      const { total, parts } = sumLossTerms(losses, { labels: batch.y, logits, reference: prepared['mirrored']!, epoch: ctx.epoch, step: ctx.step });
      return { loss: total, terms: parts, outputs: { labels: batch.y.clone(), logits } };
    },
  }),
});
