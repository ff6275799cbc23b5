import * as tf from '@tensorflow/tfjs';
import { ClassPriorUpdater } from '@dkl/callbacks';
import { ClassPriorStore, createContainer, LossRegistry, ofType, type TrainingEvent, type TrainingPlugin } from '@dkl/core';
import { lossesModule } from '@dkl/losses';
import type { Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { AdversarialTrainer, constantSchedule, DistillationTrainer, Sgd, SupervisedTrainer, type TrainingEngine } from '../src/index.js';
import { ArrayLoader, blobs, TinyModel, useCpuBackend } from './helpers.js';

useCpuBackend();

const C = 3;
/** 26 steps per epoch (52 examples, batch 2): two epochs give 52 steps. */
const loader = () => new ArrayLoader(blobs(5, 52, C, [4, 4, 2]), 2, 'mem');

class TensorCount implements TrainingPlugin {
  readonly name = 'tensor-count';
  readonly counts: number[] = [];
  attach(events: Observable<TrainingEvent>) {
    return events.pipe(ofType('batch-end')).subscribe(() => this.counts.push(tf.memory().numTensors));
  }
}

describe('tf.memory().numTensors is flat across 50+ steps of each trainer', () => {
  const container = createContainer([lossesModule]);
  const losses = container.get(LossRegistry);
  const common = () => ({ epochs: 2, seed: 1, optimizer: new Sgd({ momentum: 0.9, weightDecay: 5e-4 }), schedule: constantSchedule(0.05), train: loader() });
  const prior = () => new ClassPriorUpdater(container.get<ClassPriorStore>(ClassPriorStore), { numClasses: C });
  const trainers: Array<[string, (counter: TensorCount) => TrainingEngine]> = [
    ['supervised', (counter) => new SupervisedTrainer({ ...common(), model: new TinyModel(C, 1, [4, 4, 2]), plugins: [counter] })],
    [
      'distillation (IKL with class prior)',
      (counter) =>
        new DistillationTrainer({ ...common(), student: new TinyModel(C, 1, [4, 4, 2]), teacher: new TinyModel(C, 2, [4, 4, 2]), losses: [losses.create('ikl', { classPrior: true, warmup: 1 })], plugins: [counter, prior()] }),
    ],
    [
      'adversarial (IKL-AT, AWP)',
      (counter) =>
        new AdversarialTrainer({
          ...common(),
          model: new TinyModel(C, 1, [4, 4, 2]),
          robustLosses: [losses.create('ikl', { preset: 'at' })],
          attack: { epsilon: 0.05, budget: 'low' },
          awp: { gamma: 0.005, warmupEpochs: 1, proxyLearningRate: 0.1 },
          plugins: [counter, prior()],
        }),
    ],
  ];
  for (const [name, make] of trainers) {
    it(name, async () => {
      const counter = new TensorCount();
      const result = await make(counter).run();
      expect(result.status).toBe('completed');
      expect(counter.counts).toHaveLength(52);
      // After the first epoch's one-off state (optimizer slots, the published prior) exists, the
      // count never moves: 26 steps of epoch 2 see the same number.
      expect(new Set(counter.counts.slice(26)).size).toBe(1);
      // And within epoch 1, after the first step created the slots, nothing accumulates either.
      expect(new Set(counter.counts.slice(1, 26)).size).toBe(1);
    });
  }
});
