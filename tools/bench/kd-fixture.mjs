// The KD benchmarks' common inputs: a seeded CIFAR-100-shaped batch and the IKL loss with the
// class prior, served as the uniform epoch-1 prior (as the class-prior plugin provides it).
import * as tf from '@tensorflow/tfjs';
import { ClassPriorStore, createContainer, LossRegistry } from '@dkl/core';
import { lossesModule } from '@dkl/losses';

/** CIFAR-100's class count. */
export const CLASSES = 100;

/** A seeded batch: `x` [batch, 32, 32, 3] uniform in [0, 1), `y` [batch] int32 labels below CLASSES. */
export function cifar100Batch(batch) {
  return { x: tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 1), y: tf.randomUniform([batch], 0, CLASSES, 'int32', 2) };
}

/** `ikl` with `classPrior: true, warmup: 1`, its prior store holding the uniform prior with a writer attached. */
export function iklWithUniformPrior() {
  const container = createContainer([lossesModule]);
  const ikl = container.get(LossRegistry).create('ikl', { classPrior: true, warmup: 1 });
  const priorStore = container.get(ClassPriorStore);
  priorStore.attachWriter('bench');
  priorStore.getOrUniform(CLASSES);
  return ikl;
}
