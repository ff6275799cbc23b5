#!/usr/bin/env node
// GPU training throughput: resnet8x4 / wrn_16_2 / resnet32x4 (the zoo's models, 100 classes,
// batch 64, 32x32x3 random inputs, SGD momentum 0.9 + weight decay 5e-4, cross-entropy) on every
// GPU backend present (webgpu on the adapter Dawn picks, tensorflow-gpu when
// @tensorflow/tfjs-node-gpu is installed), and the same models in PyTorch on CUDA when `python3`
// has torch with a CUDA device. Prints img/s per backend and the ratio against PyTorch CUDA (the
// goal: webgpu within 2x).
// Usage: node tools/bench/gpu/bench.mjs [--models resnet8x4,wrn_16_2,resnet32x4] [--batch 64]
//        [--warmup 2] [--steps 10] [--python python3] [--software]
// --software points Vulkan at SwiftShader (tools/setup/swiftshader.mjs) to try the script on a
// machine without a GPU; its numbers say nothing about GPUs.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { availableBackends, initBackend } from '@dkl/core';
import { crossEntropy } from '@dkl/losses';
import { createModel } from '@dkl/models';
import { Sgd } from '@dkl/trainers';
import { arg, numArg } from '../args.mjs';
import { useSwiftShader } from '../../setup/swiftshader.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const models = arg('models', 'resnet8x4,wrn_16_2,resnet32x4').split(',');
const batch = numArg('batch', 64);
const warmup = numArg('warmup', 2);
const steps = numArg('steps', 10);
const python = arg('python', 'python3');
const C = 100;
if (process.argv.includes('--software')) useSwiftShader();

/** Median seconds per step of `model` on the active backend (each step ends with an async read of the loss). */
async function timeTraining(name) {
  const model = createModel(name, { numClasses: C, seed: 0 });
  const optimizer = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
  const x = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 1);
  const y = tf.randomUniform([batch], 0, C, 'int32', 2);
  const times = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, { training: true }).logits, y), model.trainableVariables);
    optimizer.apply(model.trainableVariables, model.trainableVariables.map((v) => grads[v.name]), 0.05);
    await value.data(); // waits for the step's GPU work
    tf.dispose([value, ...Object.values(grads)]);
    if (i >= warmup) times.push((performance.now() - t0) / 1000);
  }
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

function torchCuda() {
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__, torch.cuda.is_available() and torch.cuda.get_device_name(0) or "")'], { encoding: 'utf8' });
  if (probe.status !== 0) return { reason: `${python} has no torch (${(probe.stderr || String(probe.error)).trim().split('\n').at(-1)})` };
  const [version, ...device] = probe.stdout.trim().split(' ');
  if (!device.join(' ')) return { reason: `torch ${version} sees no CUDA device` };
  return { version, device: device.join(' ') };
}

const results = new Map(); // model -> { backend: img/s }
const gpuBackends = await availableBackends(['webgpu', 'tensorflow-gpu']);
if (gpuBackends.length === 0) console.log('[gpu bench] no GPU backend here (webgpu needs a Vulkan/Metal/D3D12 adapter, tensorflow-gpu @tensorflow/tfjs-node-gpu)');
for (const backend of gpuBackends) {
  const info = await initBackend({ prefer: backend, log: (line) => console.log(line) });
  for (const name of models) {
    const seconds = await timeTraining(name);
    const rate = batch / seconds;
    results.set(name, { ...results.get(name), [backend]: rate });
    console.log(`[gpu bench] ${name} on ${backend}${info.adapter ? ` (${info.adapter.description})` : ''}: ${(seconds * 1000).toFixed(1)} ms/step, ${rate.toFixed(1)} img/s`);
  }
}

const torch = torchCuda();
if (torch.reason) console.log(`[gpu bench] PyTorch CUDA skipped: ${torch.reason}`);
else {
  for (const name of models) {
    const run = spawnSync(python, [join(here, 'bench_torch_cuda.py'), name, String(batch), String(warmup), String(steps)], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`bench_torch_cuda.py ${name} failed:\n${run.stderr}`);
    const { seconds } = JSON.parse(run.stdout.trim().split('\n').at(-1));
    const rate = batch / seconds;
    results.set(name, { ...results.get(name), 'torch-cuda': rate });
    console.log(`[gpu bench] ${name} on PyTorch ${torch.version} CUDA (${torch.device}): ${(seconds * 1000).toFixed(1)} ms/step, ${rate.toFixed(1)} img/s`);
  }
}

console.log('\n| model | ' + [...gpuBackends, ...(torch.reason ? [] : ['torch-cuda'])].join(' img/s | ') + ' img/s | webgpu / torch-cuda (goal >= 0.5) |');
for (const name of models) {
  const r = results.get(name) ?? {};
  const cells = [...gpuBackends, ...(torch.reason ? [] : ['torch-cuda'])].map((b) => (r[b] ? r[b].toFixed(1) : '-'));
  const ratio = r.webgpu && r['torch-cuda'] ? (r.webgpu / r['torch-cuda']).toFixed(2) : '-';
  console.log(`| ${name} | ${cells.join(' | ')} | ${ratio} |`);
}
