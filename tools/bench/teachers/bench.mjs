#!/usr/bin/env node
// KD step time (resnet32x4 teacher -> resnet8x4 student, IKL with class prior, batch 64,
// 32x32x3, 100 classes, SGD momentum + weight decay) with the teacher as
//   1. a dkl zoo model on the tfjs backend initBackend picks (the baseline),
//   2. the same teacher exported by dkl to ONNX, run by onnxruntime-node (CPU),
//   3. the teacher's logits from the teacher-logits cache (what `models.teacher.cache` gives
//      from the second epoch on: the teacher does not run).
// Also the teacher's forward pass alone on both runtimes. Prints medians and ratios to (1).
// Usage: node tools/bench/teachers/bench.mjs [--batch 64] [--iters 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@dkl/core';
import { createModel, exportModel, ONNX_FILE, openOnnxClassifier } from '@dkl/models';
import { distillationStep, Sgd, TeacherLogitsCache } from '@dkl/trainers';
import { numArg as arg } from '../args.mjs';
import { CLASSES, cifar100Batch, iklWithUniformPrior } from '../kd-fixture.mjs';
import { medianMs, trainOnce } from '../timing.mjs';

const batch = arg('batch', 64);
const iters = arg('iters', 5);
const info = await initBackend();
const C = CLASSES;
const { x, y } = cifar100Batch(batch);
const indices = Int32Array.from({ length: batch }, (_, i) => i);
const ikl = iklWithUniformPrior();

function timeSteps(student, step) {
  const optimizer = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
  // The warm-up is, for the cache, also the epoch-1 pass that fills it.
  const ms = medianMs(iters, (i) => trainOnce(step, { x, y, indices }, student.trainableVariables, optimizer, i));
  optimizer.dispose();
  return ms;
}

function timeForward(model) {
  return medianMs(iters, () => tf.tidy(() => model.forward(x, { training: false }).logits.dataSync()));
}

const dir = mkdtempSync(join(tmpdir(), 'dkl-bench-teachers-'));
try {
  const teacher = createModel('resnet32x4', { numClasses: C, seed: 1 });
  await exportModel(teacher, 'onnx', { out: join(dir, 'onnx') });
  const onnxTeacher = openOnnxClassifier({ path: join(dir, 'onnx', ONNX_FILE), inputLayout: 'nhwc', device: 'cpu' }, { numClasses: C, inputShape: [32, 32, 3], keyPath: 'teacher' });
  const agreement = tf.tidy(() => teacher.forward(x, { training: false }).logits.sub(onnxTeacher.forward(x, { training: false }).logits).abs().max().dataSync()[0]);

  const student = createModel('resnet8x4', { numClasses: C, seed: 2 });
  const zooMs = timeSteps(student, distillationStep({ student, teacher, losses: [ikl] }));
  const onnxMs = timeSteps(student, distillationStep({ student, teacher: onnxTeacher, losses: [ikl] }));
  const cache = new TeacherLogitsCache(teacher, batch);
  const cachedMs = timeSteps(student, distillationStep({ student, teacher, losses: [ikl], teacherLogits: cache.logits }));
  const zooForwardMs = timeForward(teacher);
  const onnxForwardMs = timeForward(onnxTeacher);

  console.log(`backend ${info.name}; onnxruntime-node CPU; batch ${batch}; median of ${iters} steps after warm-up; |zoo - onnx| logits max ${agreement.toExponential(1)}`);
  console.log(`teacher forward resnet32x4, dkl zoo (${info.name}):      ${zooForwardMs.toFixed(0)} ms`);
  console.log(`teacher forward resnet32x4, ONNX (onnxruntime):  ${onnxForwardMs.toFixed(0)} ms  = ${(onnxForwardMs / zooForwardMs).toFixed(2)}x the zoo's`);
  console.log(`KD step, teacher dkl zoo (baseline):             ${zooMs.toFixed(0)} ms  ${((batch * 1000) / zooMs).toFixed(1)} img/s`);
  console.log(`KD step, teacher ONNX in onnxruntime-node:       ${onnxMs.toFixed(0)} ms  ${((batch * 1000) / onnxMs).toFixed(1)} img/s  = ${(onnxMs / zooMs).toFixed(2)}x the baseline's time`);
  console.log(`KD step, cached teacher logits:                  ${cachedMs.toFixed(0)} ms  ${((batch * 1000) / cachedMs).toFixed(1)} img/s  = ${(cachedMs / zooMs).toFixed(2)}x the baseline's time`);
  console.log(`cache: ${cache.describe()}`);
  teacher.dispose();
  onnxTeacher.dispose();
  student.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
