/**
 * `models.teacher.cache: true`: the teacher's logits computed once per training example and
 * reused. Valid only when an example's teacher input is the same every epoch (no random
 * augmentation, no mixing) and the trainer takes teacher logits from the run; otherwise a
 * ConfigError says which of these fails.
 */
import { ConfigError, type ClassifierModel } from '@dkl/core';
import type { Loader } from '@dkl/data';
import { TeacherLogitsCache, type TrainerDefinition } from '@dkl/trainers';
import type { RunConfig } from '../config/run-config.js';

const KEY = 'models.teacher.cache';

/** Checks what can be checked before data is read (run by `--dry-run`). */
export function checkTeacherCache(config: RunConfig, trainer: TrainerDefinition): void {
  if (!config.models.teacher?.cache) return;
  if (!trainer.takesTeacherLogits) throw new ConfigError(KEY, `trainer.type '${trainer.name}' computes its teacher's logits itself, so it cannot use cached ones; remove cache or use trainer.type 'distillation'`);
  if (config.data.train.mix) throw new ConfigError(KEY, 'data.train.mix mixes examples differently every epoch, so the teacher sees different inputs: teacher logits cannot be cached; remove cache or mix');
}

/** The cache for a run's teacher over its training loader; refuses a loader with random augmentation. */
export function createTeacherCache(config: RunConfig, teacher: ClassifierModel, train: Loader): TeacherLogitsCache | undefined {
  if (!config.models.teacher?.cache) return undefined;
  if (train.pipeline.paramsPerSample > 0) {
    const random = train.pipeline.steps.filter((s) => s.paramCount > 0).map((s) => s.spec.kind);
    throw new ConfigError(
      KEY,
      `data.train.transforms draw new random parameters every epoch (${random.join(', ')}), so the teacher sees different inputs each time: teacher logits cannot be cached; remove cache or those transforms`,
    );
  }
  return new TeacherLogitsCache(teacher, train.size);
}
