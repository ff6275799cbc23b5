/**
 * The KD run both resume suites (whole-epoch and mid-epoch) kill and resume: IKL with the class
 * prior, 3 epochs of 4 steps of 16 blobs, SGD with momentum and weight decay, lr 0.2 / epoch.
 */
import { ClassPriorUpdater } from '@dkl/callbacks';
import { ClassPriorStore, LossRegistry, type TrainingPlugin } from '@dkl/core';
import type { Container } from 'inversify';
import { constantSchedule, Sgd, SupervisedTrainer } from '../src/index.js';
import { ArrayLoader, blobs, TinyModel } from './helpers.js';

/** The frozen teacher: a TinyModel trained for 2 epochs on blobs (a new one per call, same bits). */
export async function trainKdTeacher(classes: number): Promise<TinyModel> {
  const t = new TinyModel(classes, 11, [6, 6, 2], 16);
  await new SupervisedTrainer({ model: t, epochs: 2, seed: 1, optimizer: new Sgd({ momentum: 0.9 }), schedule: constantSchedule(0.5), train: new ArrayLoader(blobs(1, 64, classes), 16, 'train') }).run();
  return t;
}

/** The DistillationTrainer options of the run, without plugins; `container` holds the losses and the class-prior store. */
export function kdResumeOptions(container: Container, student: TinyModel, teacher: TinyModel, classes: number) {
  return {
    student,
    teacher,
    losses: [container.get(LossRegistry).create('ikl', { classPrior: true, warmup: 2 })],
    epochs: 3,
    seed: 9,
    optimizer: new Sgd({ momentum: 0.9, weightDecay: 5e-4 }),
    schedule: (e: number) => 0.2 / e,
    train: new ArrayLoader(blobs(3, 64, classes), 16, 'kd-train'),
  };
}

/** The class-prior writer of the run (temperature 4). */
export function kdPriorUpdater(container: Container, classes: number): TrainingPlugin {
  return new ClassPriorUpdater(container.get(ClassPriorStore), { numClasses: classes, temperature: 4 });
}
