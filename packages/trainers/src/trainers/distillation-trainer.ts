import * as tf from '@tensorflow/tfjs';
import { ConfigError, type ClassifierModel, type LossTerm } from '@dkl/core';
import { z } from 'zod';
import { sumLossTerms } from '../engine/loss-terms.js';
import type { TrainStep } from '../engine/step.js';
import { TrainingEngine, type TrainingEngineOptions } from '../engine/training-engine.js';
import { defineTrainer } from './trainer-definition.js';
import type { TeacherLogitsProvider } from '../distillation/teacher-logits-cache.js';

export interface DistillationTrainerOptions extends Omit<TrainingEngineOptions, 'step' | 'model' | 'modelRole' | 'frozenModels'> {
  readonly student: ClassifierModel;
  /** Frozen: run in inference mode, never differentiated, never updated. */
  readonly teacher: ClassifierModel;
  /**
   * Objective terms, summed. Distillation losses from @dkl/losses already include their hard-label
   * CE weight and warm-up (`ceWeight * CE + min(epoch / warmup, 1) * term`).
   */
  readonly losses: readonly LossTerm[];
  /** Where teacher logits come from instead of `teacher.forward` (e.g. a TeacherLogitsCache). */
  readonly teacherLogits?: TeacherLogitsProvider;
}

/**
 * The distillation step: teacher logits are computed outside the gradient tape (so no teacher
 * gradient is ever computed), the student in training mode inside it. `batch-end` carries
 * `labels`, `logits` (student) and `teacherLogits`.
 */
export function distillationStep(options: Pick<DistillationTrainerOptions, 'student' | 'teacher' | 'losses' | 'teacherLogits'>): TrainStep {
  const { student, teacher, losses } = options;
  const teacherLogits = options.teacherLogits ?? ((batch) => tf.tidy(() => teacher.forward(batch.x, { training: false }).logits));
  if (losses.length === 0) throw new ConfigError('losses', 'a distillation run needs at least one loss term');
  if (student.numClasses !== teacher.numClasses) {
    throw new ConfigError('teacher', `has ${teacher.numClasses} classes, the student ${student.numClasses}`);
  }
  return {
    prepare(batch) {
      return { teacherLogits: teacherLogits(batch) };
    },
    compute(batch, prepared, ctx) {
      const teacherLogits = prepared['teacherLogits']!;
      const logits = student.forward(batch.x, { training: true }).logits;
      const labels = batch.y;
      const { total, parts } = sumLossTerms(losses, { labels, ...(batch.targets ? { targets: batch.targets } : {}), logits, reference: teacherLogits, epoch: ctx.epoch, step: ctx.step });
      return { loss: total, terms: parts, outputs: { labels: labels.clone(), logits, teacherLogits: teacherLogits.clone() } };
    },
  };
}

/** Knowledge distillation from a frozen teacher into a student. */
export class DistillationTrainer extends TrainingEngine {
  constructor(options: DistillationTrainerOptions) {
    super({ ...options, model: options.student, modelRole: 'student', frozenModels: { teacher: options.teacher }, step: distillationStep(options) });
  }
}

/** `trainer.type: distillation`: a frozen `models.teacher` distilled into the student by `trainer.losses`. */
export const distillationTrainer = defineTrainer({
  name: 'distillation',
  description: 'knowledge distillation: trainer.losses on (student logits, frozen teacher logits as the reference)',
  schema: z.object({}).strict(),
  outputs: ['labels', 'logits', 'teacherLogits'],
  providesReference: true,
  teacher: 'required',
  requiresLosses: true,
  modelRole: 'student',
  takesTeacherLogits: true,
  createStep: (_options, { model, teacher, losses, teacherLogits }) => {
    if (!teacher) throw new ConfigError('models.teacher', 'is required by trainer.type distillation');
    return distillationStep({ student: model, teacher, losses, ...(teacherLogits ? { teacherLogits } : {}) });
  },
});
