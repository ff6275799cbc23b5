import * as tf from '@tensorflow/tfjs';
import { ArgumentError, componentRefSchema, ConfigError, type ClassifierModel, type LossTerm } from '@dkl/core';
import { probabilityMse } from '@dkl/losses';
import { z } from 'zod';
import { sumLossTerms } from '../engine/loss-terms.js';
import type { TrainStep } from '../engine/step.js';
import { defineTrainer } from '../trainers/trainer-definition.js';
import { EmaTeacher } from './ema-teacher.js';
import { sigmoidRampUp } from './ramp-up.js';
import { forwardJointly, supervisedTerms, unlabelledViews } from './unlabelled-batches.js';
import { semiSupervisedContract } from './semi-supervised-contract.js';

export interface MeanTeacherStepOptions {
  readonly model: ClassifierModel;
  /**
   * A second instance of the student's architecture that becomes the EMA teacher (its own
   * weights are overwritten with the student's at the start). The caller keeps it (and disposes it).
   */
  readonly teacher: ClassifierModel;
  /** EMA decay (Mean Teacher: 0.999). */
  readonly emaDecay?: number;
  /** Terms on the labelled batch's logits; default hard-label cross-entropy. */
  readonly losses?: readonly LossTerm[];
  /**
   * The consistency term on the unlabelled batch: `logits` = the student's view, `reference` =
   * the EMA teacher's logits on its own view (no gradient), `labels` = the teacher's argmax.
   * Default: squared distance of the class probabilities (`prob-mse`, Mean Teacher); `ikl` per the paper.
   */
  readonly consistency?: LossTerm;
  /** Maximum consistency weight (reached after the ramp-up). Default 1. */
  readonly consistencyWeight?: number;
  /** Length of the sigmoid ramp-up of the consistency weight, in epochs (fractional epochs count). Default 0: none. */
  readonly rampUpEpochs?: number;
}

/** The student's and the teacher's views of each unlabelled batch (streams `unlabelled/student`, `unlabelled/teacher`). */
export const MEAN_TEACHER_VIEWS = ['student', 'teacher'] as const;

/**
 * Mean Teacher (Tarvainen & Valpola 2017): the teacher is an exponential moving average of the
 * student (every state variable, BatchNorm statistics included, updated after each optimizer
 * step); the student learns the labelled batch plus `w(t) * consistency(student(view_s),
 * teacher(view_t))` on the unlabelled batch, with `w(t) = consistencyWeight * exp(-5 (1 - t)^2)`
 * ramping up over `rampUpEpochs`. The teacher runs in inference mode (its EMA statistics),
 * outside the gradient tape; the labelled and unlabelled student batches go through the student
 * in one training-mode pass. The teacher's weights and update count are step state, so a
 * resumed run continues with the same teacher. Logged: the supervised terms, `consistency`
 * (before its weight) and `consistencyWeight`.
 */
export function meanTeacherStep(options: MeanTeacherStepOptions): TrainStep & { readonly ema: EmaTeacher } {
  const { model } = options;
  const weight = options.consistencyWeight ?? 1;
  const rampUp = options.rampUpEpochs ?? 0;
  if (!(weight >= 0)) throw new ArgumentError('consistencyWeight', `must be >= 0, got ${weight}`);
  sigmoidRampUp(0, rampUp); // validates the length
  const ema = new EmaTeacher(model, options.teacher, options.emaDecay ?? 0.999);
  const supervised = supervisedTerms(options.losses);
  const consistency: LossTerm = options.consistency ?? { name: 'prob-mse', compute: (ctx) => probabilityMse(ctx.logits, ctx.reference!) };
  return {
    ema,
    prepare(_batch, ctx) {
      const views = unlabelledViews(ctx, MEAN_TEACHER_VIEWS);
      return tf.tidy(() => {
        const teacherLogits = ema.teacher.forward(views.teacher.x, { training: false }).logits;
        return { teacherLogits, pseudoLabels: tf.argMax(teacherLogits, 1).cast('int32') };
      });
    },
    compute(batch, prepared, ctx) {
      const views = unlabelledViews(ctx, MEAN_TEACHER_VIEWS);
      const teacherLogits = prepared['teacherLogits']!;
      const pseudoLabels = prepared['pseudoLabels']!;
      const { labelled: logits, unlabelled: studentLogits } = forwardJointly(model, batch.x, views.student.x);
      const labels = batch.y;
      const sup = sumLossTerms(supervised, { labels, ...(batch.targets ? { targets: batch.targets } : {}), logits, epoch: ctx.epoch, step: ctx.step });
      const unsup = consistency.compute({ labels: pseudoLabels, logits: studentLogits, reference: teacherLogits, epoch: ctx.epoch, step: ctx.step });
      const progress = ctx.epoch - 1 + ctx.batchIndex / ctx.batchesPerEpoch;
      const w = weight * sigmoidRampUp(progress, rampUp);
      return {
        loss: tf.add(sup.total, tf.mul(unsup, w)) as tf.Scalar,
        terms: { ...sup.parts, consistency: unsup, consistencyWeight: tf.scalar(w) },
        outputs: { labels: labels.clone(), logits, unlabelledLogits: studentLogits, unlabelledTeacherLogits: teacherLogits.clone(), pseudoLabels: pseudoLabels.clone() },
      };
    },
    afterUpdate: () => ema.update(),
    saveState: () => ema.saveState(),
    loadState: (state) => ema.loadState(state),
  };
}

const schema = z
  .object({
    /** EMA decay of the teacher (Mean Teacher: 0.999). */
    emaDecay: z.number().min(0).lt(1).default(0.999),
    /** The consistency term on (student logits; EMA-teacher logits as the reference; teacher argmax): `prob-mse` is Mean Teacher, `ikl` Mean Teacher + IKL. */
    consistency: componentRefSchema.default({ name: 'prob-mse', options: {} }),
    /** Consistency weight after the ramp-up. */
    consistencyWeight: z.number().min(0).default(1),
    /** Epochs of the sigmoid ramp-up exp(-5 (1 - t)^2) of the consistency weight (0: none). */
    rampUpEpochs: z.number().min(0).default(0),
  })
  .strict();

/** `trainer.type: mean-teacher`: EMA teacher, consistency between student and teacher on `data.unlabelled`. */
export const meanTeacherTrainer = defineTrainer({
  name: 'mean-teacher',
  description: 'Mean Teacher semi-supervised training: trainer.losses on the labelled batch + ramped-up consistencyWeight * trainer.consistency between the student and its EMA teacher on unlabelled batches',
  schema,
  ...semiSupervisedContract(MEAN_TEACHER_VIEWS),
  createStep: (o, { model, losses, createLoss, createModelCopy }) => {
    if (!createModelCopy) throw new ConfigError('trainer.type', "'mean-teacher' keeps an EMA copy of the student, but this run cannot create a second instance of its architecture");
    const teacher = createModelCopy();
    const step = meanTeacherStep({
      model,
      teacher,
      emaDecay: o.emaDecay,
      losses,
      consistency: createLoss(o.consistency, 'trainer.consistency'),
      consistencyWeight: o.consistencyWeight,
      rampUpEpochs: o.rampUpEpochs,
    });
    return { ...step, dispose: () => teacher.dispose() }; // the copy made here ends with the run
  },
});
