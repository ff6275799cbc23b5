#!/usr/bin/env node
// One KD step (resnet32x4 teacher -> resnet8x4 student, IKL with class prior) and one supervised
// step (resnet8x4, CE) at batch 64, 32x32x3, 100 classes, SGD momentum + weight decay, on the
// backend initBackend picks (DKL_BACKEND to force). Prints images/s of each and the share of the
// KD step spent in the loss (value + gradient of IKL alone, measured in the same process).
// Usage: node tools/bench/train-step/bench.mjs [--batch 64] [--iters 3]
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@dkl/core';
import { createModel } from '@dkl/models';
import { distillationStep, supervisedStep, Sgd } from '@dkl/trainers';
import { numArg as arg } from '../args.mjs';
import { CLASSES, cifar100Batch, iklWithUniformPrior } from '../kd-fixture.mjs';
import { medianMs, trainOnce } from '../timing.mjs';

const batch = arg('batch', 64);
const iters = arg('iters', 3);
const info = await initBackend();
const C = CLASSES;
const { x, y } = cifar100Batch(batch);
const ikl = iklWithUniformPrior();

function timeSteps(model, step) {
  const optimizer = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
  const ms = medianMs(iters, (i) => trainOnce(step, { x, y }, model.trainableVariables, optimizer, i));
  optimizer.dispose();
  return ms;
}

const student = createModel('resnet8x4', { numClasses: C });
const teacher = createModel('resnet32x4', { numClasses: C });
const supervisedMs = timeSteps(student, supervisedStep({ model: student }));
const kdMs = timeSteps(student, distillationStep({ student, teacher, losses: [ikl] }));

// The loss alone: value + gradient of IKL on [batch, C] logits, many repetitions.
const s = tf.randomNormal([batch, C], 0, 3, 'float32', 3);
const t = tf.randomNormal([batch, C], 0, 3, 'float32', 4);
const lossOnce = () => tf.tidy(() => tf.grad((logits) => ikl.compute({ labels: y, logits, reference: t, epoch: 1, step: 0 }))(s).dataSync());
lossOnce();
const reps = 50;
const t0 = performance.now();
for (let i = 0; i < reps; i++) lossOnce();
const lossMs = (performance.now() - t0) / reps;

console.log(`backend ${info.name}; batch ${batch}; median of ${iters} steps after warm-up`);
console.log(`supervised step resnet8x4 (CE):            ${supervisedMs.toFixed(0)} ms  ${((batch * 1000) / supervisedMs).toFixed(1)} img/s`);
console.log(`KD step resnet32x4 -> resnet8x4 (IKL + GI): ${kdMs.toFixed(0)} ms  ${((batch * 1000) / kdMs).toFixed(1)} img/s`);
console.log(`IKL loss value+gradient alone:              ${lossMs.toFixed(2)} ms  = ${((100 * lossMs) / kdMs).toFixed(2)} % of the KD step`);
console.log(`KD step / supervised step: ${(kdMs / supervisedMs).toFixed(2)}x`);
