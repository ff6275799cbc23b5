#!/usr/bin/env node
// Step time of every feature distiller of @dkl/distillers relative to plain KD, on the pair of the
// paper's CIFAR-100 table: resnet32x4 teacher -> resnet8x4 student, batch 64, 32x32x3, 100
// classes, SGD momentum + weight decay (connectors optimised with the student), on the backend
// initBackend picks (DKL_BACKEND to force). KD is timed before and after the distillers and the
// ratio uses the mean of both, so drift on a noisy machine shows up in the two KD lines.
// Usage: node tools/bench/distillers/bench.mjs [--batch 64] [--iters 5] [--only at,rkd]
import { createContainer, featureShapesOf, initBackend, LossRegistry, preactNormsOf } from '@dkl/core';
import { distillerDefinitions, distillersModule } from '@dkl/distillers';
import { lossesModule } from '@dkl/losses';
import { createModel } from '@dkl/models';
import { distillationStep, Sgd } from '@dkl/trainers';
import { arg, numArg } from '../args.mjs';
import { CLASSES, cifar100Batch } from '../kd-fixture.mjs';
import { medianMs, trainOnce } from '../timing.mjs';

const batch = numArg('batch', 64);
const iters = numArg('iters', 5);
const only = arg('only', '');
const info = await initBackend();
const C = CLASSES;
const { x, y } = cifar100Batch(batch);
const registry = createContainer([lossesModule, distillersModule]).get(LossRegistry);
const student = createModel('resnet8x4', { numClasses: C });
const teacher = createModel('resnet32x4', { numClasses: C });
const featureShapes = { model: featureShapesOf(student), reference: featureShapesOf(teacher) };
// CRD's memory bank spans CIFAR-100's 50,000 training images; the batch carries their indices.
const trainingLabels = Int32Array.from({ length: 50_000 }, (_, i) => i % C);
const indices = Int32Array.from({ length: batch }, (_, i) => (i * 7919) % 50_000);
const referencePreactNorms = preactNormsOf(teacher);

/** Median wall time of one full step (teacher pass, student pass, loss, gradients, update). */
function timeSteps(name, options) {
  const term = registry.create(name, options, name, { featureShapes, trainingLabels, referencePreactNorms, seed: 0 });
  const step = distillationStep({ student, teacher, losses: [term] });
  const variables = [...student.trainableVariables, ...(step.trainableVariables ?? [])];
  const optimizer = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
  const ms = medianMs(iters, (i) => trainOnce(step, { x, y, indices }, variables, optimizer, i));
  optimizer.dispose();
  step.dispose?.();
  return ms;
}

// Every distiller of the package, with its default options.
const DISTILLERS = distillerDefinitions.map(({ name }) => [name, {}]).filter(([name]) => !only || only.split(',').includes(name));

const kdBefore = timeSteps('kd', {});
const rows = DISTILLERS.map(([name, options]) => [name, timeSteps(name, options)]);
const kdAfter = timeSteps('kd', {});
const kd = (kdBefore + kdAfter) / 2;

console.log(`backend ${info.name}; resnet32x4 -> resnet8x4, batch ${batch}; median of ${iters} steps after warm-up`);
console.log(`kd (before)  ${kdBefore.toFixed(0).padStart(6)} ms  ${((batch * 1000) / kdBefore).toFixed(1).padStart(6)} img/s`);
console.log(`kd (after)   ${kdAfter.toFixed(0).padStart(6)} ms  ${((batch * 1000) / kdAfter).toFixed(1).padStart(6)} img/s`);
for (const [name, ms] of rows) {
  console.log(`${name.padEnd(12)} ${ms.toFixed(0).padStart(6)} ms  ${((batch * 1000) / ms).toFixed(1).padStart(6)} img/s  ${(ms / kd).toFixed(2)}x KD`);
}
