import * as tf from '@tensorflow/tfjs';
import { ConfigError, type ClassifierModel, type LossTerm } from '@dkl/core';
import { z } from 'zod';
import { lossTermState, sumLossTerms } from '../engine/loss-terms.js';
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
 * gradient is ever computed), the student in training mode inside it. Loss terms that read
 * feature taps get both models' (`features`, `referenceFeatures`), and their own variables are
 * trained with the student; terms get each row's training-set index. `batch-end` carries `labels`, `logits` (student) and `teacherLogits`.
 */
export function distillationStep(options: Pick<DistillationTrainerOptions, 'student' | 'teacher' | 'losses' | 'teacherLogits'>): TrainStep {
  const { student, teacher, losses } = options;
  if (losses.length === 0) throw new ConfigError('losses', 'a distillation run needs at least one loss term');
  if (student.numClasses !== teacher.numClasses) {
    throw new ConfigError('teacher', `has ${teacher.numClasses} classes, the student ${student.numClasses}`);
  }
  const usesFeatures = losses.some((l) => l.usesFeatures);
  // mdistiller's OFD puts the teacher in training mode: batch statistics (its running ones move, unread).
  const teacherMode = { training: losses.some((l) => l.referenceTrainingMode) };
  if (usesFeatures && options.teacherLogits) {
    throw new ConfigError('models.teacher.cache', "is on, but a loss reads the teacher's features, which need its forward pass every step: turn the cache off");
  }
  if (teacherMode.training && options.teacherLogits) {
    throw new ConfigError('models.teacher.cache', 'is on, but a loss runs the teacher in training mode (batch statistics of each batch), which cached logits cannot give: turn the cache off');
  }
  const teacherLogits = options.teacherLogits ?? ((batch) => tf.tidy(() => teacher.forward(batch.x, teacherMode).logits));
  return {
    prepare(batch) {
      if (!usesFeatures) return { teacherLogits: teacherLogits(batch) };
      return tf.tidy(() => {
        const out = teacher.forward(batch.x, teacherMode);
        return { teacherLogits: out.logits, ...Object.fromEntries(Object.entries(out.features).map(([name, t]) => [`${TEACHER_FEATURE}${name}`, t])) };
      });
    },
    compute(batch, prepared, ctx) {
      const teacherLogits = prepared['teacherLogits']!;
      const { logits, features } = student.forward(batch.x, { training: true });
      const labels = batch.y;
      const { total, parts } = sumLossTerms(losses, {
        labels,
        ...(batch.targets ? { targets: batch.targets } : {}),
        logits,
        reference: teacherLogits,
        ...(usesFeatures ? { features, referenceFeatures: teacherFeatures(prepared) } : {}),
        ...(batch.indices ? { indices: batch.indices } : {}),
        epoch: ctx.epoch,
        step: ctx.step,
      });
      return { loss: total, terms: parts, outputs: { labels: labels.clone(), logits, teacherLogits: teacherLogits.clone() } };
    },
    ...lossTermState(losses),
    dispose: () => losses.forEach((l) => l.dispose?.()),
  };
}

/** Prefix of the teacher's feature taps among the prepared tensors. */
const TEACHER_FEATURE = 'teacher/';

function teacherFeatures(prepared: Readonly<Record<string, tf.Tensor>>): Record<string, tf.Tensor> {
  return Object.fromEntries(Object.entries(prepared).filter(([k]) => k.startsWith(TEACHER_FEATURE)).map(([k, t]) => [k.slice(TEACHER_FEATURE.length), t]));
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
  providesFeatures: true,
  providesIndices: true,
  referenceTrainingMode: true,
  teacher: 'required',
  requiresLosses: true,
  modelRole: 'student',
  takesTeacherLogits: true,
  createStep: (_options, { model, teacher, losses, teacherLogits }) => {
    if (!teacher) throw new ConfigError('models.teacher', 'is required by trainer.type distillation');
    return distillationStep({ student: model, teacher, losses, ...(teacherLogits ? { teacherLogits } : {}) });
  },
});
