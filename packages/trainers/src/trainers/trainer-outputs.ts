import type { BatchOutputKey } from '@dkl/core';

/**
 * What each built-in trainer emits in `batch-end.outputs`. Plugins declare what they read and
 * losses what they need; a run is assembled only when the trainer provides it (tests check each
 * trainer emits exactly these keys).
 */
export const TRAINER_OUTPUTS = {
  supervised: ['labels', 'logits'],
  distillation: ['labels', 'logits', 'teacherLogits'],
  adversarial: ['labels', 'logits', 'naturalLogits', 'adversarialLogits'],
} as const satisfies Record<string, readonly BatchOutputKey[]>;

/** Whether a trainer type's batches carry reference logits (`context.reference` of a loss). */
export const TRAINER_HAS_REFERENCE = { supervised: false, distillation: true, adversarial: true } as const satisfies Record<keyof typeof TRAINER_OUTPUTS, boolean>;
