// A custom trainer in under 40 lines: KD with two loss terms and a user plugin, composed from the
// engine's pieces instead of copying the loop.
import { createContainer, LossRegistry, ofType, type BatchLoader, type ClassifierModel, type TrainingPlugin } from '@dkl/core';
import { lossesModule } from '@dkl/losses';
import { DistillationTrainer, multiStepSchedule, Sgd, type RunResult } from '@dkl/trainers';

/** A user plugin: remembers the worst batch loss of every epoch. */
class WorstBatch implements TrainingPlugin {
  readonly name = 'worst-batch';
  readonly worst = new Map<number, number>();
  attach: TrainingPlugin['attach'] = (events) =>
    events.pipe(ofType('batch-end')).subscribe((e) => this.worst.set(e.epoch, Math.max(this.worst.get(e.epoch) ?? -Infinity, e.losses['total']!)));
}

export async function trainCustomKd(teacher: ClassifierModel, student: ClassifierModel, train: BatchLoader, test: BatchLoader): Promise<{ result: RunResult; worst: Map<number, number> }> {
  const losses = createContainer([lossesModule]).get(LossRegistry);
  const worst = new WorstBatch();
  const trainer = new DistillationTrainer({
    teacher,
    student,
    losses: [
      losses.create('kd', { temperature: 4, ceWeight: 1, weight: 1 }), // CE + Hinton KD
      losses.create('ikl', { ceWeight: 0, warmup: 1, wmseWeight: 2 }), // + IKL's wMSE / soft CE
    ],
    optimizer: new Sgd({ momentum: 0.9, weightDecay: 5e-4 }),
    schedule: multiStepSchedule(0.05, [2]),
    epochs: 3,
    seed: 0,
    train,
    evaluation: { loaders: { test } },
    plugins: [worst],
  });
  return { result: await trainer.run(), worst: worst.worst };
}
