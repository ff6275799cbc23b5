#!/usr/bin/env node
// KD step, resnet32x4 teacher -> resnet8x4 student, batch 64, 100 classes, in dkl (IKL in the
// O(B·C) form with the class prior, @dkl/models, distillationStep, PyTorch-style SGD) and in
// PyTorch (the authors' pairwise IKL, kd_torch.py), same thread count, alternating rounds.
// Usage: node tools/bench/vs-pytorch/kd-step.mjs [--threads 2] [--rounds 2] [--steps 3] [--python /usr/bin/python3]
//   [--precision fp32|bf16]   (dkl-native's convolutions and matmuls; PyTorch stays fp32)
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { ClassPriorStore, createContainer, initBackend, LossRegistry } from '@dkl/core';
import { lossesModule } from '@dkl/losses';
import { createModel } from '@dkl/models';
import { distillationStep, Sgd } from '@dkl/trainers';
import { arg as opt } from '../args.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const threads = Number(opt('threads', 2));
const rounds = Number(opt('rounds', 2));
const steps = Number(opt('steps', 3));
const python = opt('python', '/usr/bin/python3');
const precision = opt('precision', 'fp32');
if (precision !== 'fp32' && precision !== 'bf16') throw new Error(`--precision must be fp32 or bf16, got '${precision}'`);
const batch = 64;
process.env.OMP_NUM_THREADS = String(threads);
const info = await initBackend({ prefer: ['dkl-native', 'wasm'], precision });
const container = createContainer([lossesModule]);
// The bench stands in for the class-prior updater: a uniform prior, as kd_torch.py uses.
const priorStore = container.get(ClassPriorStore);
priorStore.attachWriter('kd-step bench');
priorStore.getOrUniform(100);
const ikl = container.get(LossRegistry).create('ikl', { classPrior: true, warmup: 1, wmseWeight: 8, softLabelWeight: 1 });
const teacher = createModel('resnet32x4', { numClasses: 100 });
const student = createModel('resnet8x4', { numClasses: 100 });
const step = distillationStep({ student, teacher, losses: [ikl] });
const optimizer = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
const x = tf.randomNormal([batch, 32, 32, 3], 0, 1, 'float32', 1);
const y = tf.randomUniform([batch], 0, 100, 'int32', 2);
const ours = () => {
  const t0 = performance.now();
  const ctx = { epoch: 1, epochs: 1, step: 0, batchIndex: 0, rng: null };
  const prepared = step.prepare({ x, y }, ctx);
  const { value, grads } = tf.variableGrads(() => {
    const r = step.compute({ x, y }, prepared, ctx);
    tf.dispose(Object.values(r.outputs));
    return r.loss;
  }, student.trainableVariables);
  optimizer.apply(student.trainableVariables, student.trainableVariables.map((v) => grads[v.name]), 0.05);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads), ...Object.values(prepared)]);
  return performance.now() - t0;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const oursTimes = [];
const torchTimes = [];
ours();
for (let r = 0; r < rounds; r++) {
  for (let s = 0; s < steps; s++) oursTimes.push(ours());
  const run = spawnSync(python, [join(here, 'kd_torch.py'), String(threads), String(batch), '1', String(steps)], { cwd: here, encoding: 'utf8', env: { ...process.env } });
  if (run.status !== 0) throw new Error(`kd_torch.py failed: ${run.stderr}`);
  torchTimes.push(...JSON.parse(run.stdout).times.map((t) => t * 1000));
}
const a = median(oursTimes);
const b = median(torchTimes);
console.log(`KD step resnet32x4 -> resnet8x4, batch ${batch}, ${threads} threads, median of ${oursTimes.length} steps each (${info.name}, precision ${info.precision})`);
console.log(`  dkl (IKL O(B·C) + class prior): ${a.toFixed(0)} ms  ${((batch * 1000) / a).toFixed(1)} img/s`);
console.log(`  PyTorch 1.13 (pairwise IKL):    ${b.toFixed(0)} ms  ${((batch * 1000) / b).toFixed(1)} img/s`);
console.log(`  ratio (dkl img/s / PyTorch img/s): ${(b / a).toFixed(2)}`);
