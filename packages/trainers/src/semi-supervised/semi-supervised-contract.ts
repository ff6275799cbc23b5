import type { BatchOutputKey, ComponentRef } from '@dkl/core';
import type { TrainerLossRef } from '../trainers/trainer-definition.js';
import { unlabelledStream } from './unlabelled-batches.js';

/**
 * What every semi-supervised trainer declares for the requirement check: the outputs its steps
 * emit, no teacher model, optional `trainer.losses`, its `trainer.consistency` term (given the
 * unlabelled reference logits) and one stream per unlabelled view it reads.
 */
export function semiSupervisedContract(views: readonly string[]) {
  return {
    outputs: ['labels', 'logits', 'unlabelledLogits', 'unlabelledTeacherLogits', 'pseudoLabels'] satisfies BatchOutputKey[] as readonly BatchOutputKey[],
    providesReference: false,
    teacher: 'none' as const,
    requiresLosses: false,
    lossRefs: (o: { readonly consistency: ComponentRef }): readonly TrainerLossRef[] => [{ ref: o.consistency, keyPath: 'trainer.consistency', reference: true }],
    streams: () => views.map(unlabelledStream),
  };
}
