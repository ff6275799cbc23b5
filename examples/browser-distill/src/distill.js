// The recipe, independent of the page: pick the backend (WebGPU when the browser has a hardware
// adapter, WebGL otherwise), distill a tiny_cnn student from the resnet8 teacher with Decoupled KL,
// and report every step and evaluation from the training event stream. No Node module is imported:
// the dkl packages resolve to their `browser` entry points.
import * as tf from '@tensorflow/tfjs';
// Registers tfjs' WebGPU backend when navigator.gpu exists (a bundler needs the static import).
import '@tensorflow/tfjs-backend-webgpu';
import { createContainer, initBackend, LossRegistry } from '@dkl/core';
import { lossesModule } from '@dkl/losses';
import { createModel } from '@dkl/models';
import { constantSchedule, DistillationTrainer, Sgd } from '@dkl/trainers';
import { ArrayLoader } from './array-loader.js';

/**
 * The backend this page uses: dkl's choice among WebGPU (hardware adapter), WebGL and the pure-JS
 * cpu, or the one named (`'webgpu'` alone also takes a software adapter).
 */
export async function chooseBackend(log, forced) {
  return initBackend({ prefer: forced ?? ['webgpu', 'webgl', 'cpu'], log });
}

/**
 * A plugin that turns the event stream into plain callbacks for the page: the step's losses and
 * the student's accuracy on the batch (read asynchronously: no synchronous GPU read), and every
 * evaluation.
 */
class LiveReport {
  constructor(onStep, onEval) {
    this.name = 'live-report';
    this.onStep = onStep;
    this.onEval = onEval;
  }

  attach(events) {
    return events.subscribe((event) => {
      if (event.type === 'batch-end') {
        const { labels, logits } = event.outputs;
        // The outputs are valid during dispatch only: compute the count now, read it later.
        const correct = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'float32')));
        correct.data().then((c) => {
          correct.dispose();
          this.onStep({ step: event.step, epoch: event.epoch, losses: event.losses, accuracy: c[0] / event.batchSize });
        });
      } else if (event.type === 'eval-end') {
        this.onEval({ step: event.step, epoch: event.epoch, split: event.split, ...event.metrics });
      }
    });
  }
}

/**
 * Distills `epochs` epochs of `train` (batch `batchSize`) into a fresh tiny_cnn and evaluates on
 * `test` after each epoch. Resolves with the run result.
 */
export async function distill({ teacher, train, test, epochs = 3, batchSize = 32, learningRate = 0.05, onStep, onEval }) {
  const losses = createContainer([lossesModule]).get(LossRegistry);
  const student = createModel('tiny_cnn', { numClasses: teacher.numClasses, inputShape: teacher.inputShape, seed: 2 });
  const trainer = new DistillationTrainer({
    student,
    teacher,
    epochs,
    seed: 1,
    losses: [losses.create('dkl', {})],
    optimizer: new Sgd({ momentum: 0.9, weightDecay: 5e-4 }),
    schedule: constantSchedule(learningRate),
    train: new ArrayLoader(train, batchSize, 'page'),
    evaluation: { loaders: { test: new ArrayLoader(test, 100, false) } },
    plugins: [new LiveReport(onStep, onEval)],
  });
  const result = await trainer.run();
  return { result, student };
}
