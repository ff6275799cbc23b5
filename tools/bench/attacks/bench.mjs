#!/usr/bin/env node
/**
 * Throughput of PGD-10 and APGD-CE-100 (examples/second) and their cost relative to one
 * forward+backward pass (the input gradient of the cross-entropy) of the same model and batch.
 * Imports the BUILT package (build first:
 *   npx tsc --build packages/core/tsconfig.lib.json packages/attacks/tsconfig.lib.json).
 *
 * Usage: node tools/bench/attacks/bench.mjs [--model resnet8x4|wrn_16_2|own] [--batch 64]
 *                                           [--iters 3] [--size 32] [--classes 100]
 *                                           [--attacks pgd10,apgd100]
 *                                           [--torch] [--python /usr/bin/python3] [--threads N]
 * --torch also runs the same attacks in PyTorch (attacks_torch.py, same model definition from
 * tools/fixtures-models, same batch and thread count, eval mode) and prints ours / PyTorch in
 * examples per second.
 * The model is @dkl/models' resnet8x4 (or --model) when that package is built, else a small
 * CIFAR-like conv net defined below; the output says which. Backend: @dkl/core's initBackend
 * (DKL_BACKEND=cpu|wasm|... forces one). Labels are the model's own clean predictions, so every
 * example is attacked (APGD skips examples that are already misclassified).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import * as core from '@dkl/core';
import { apgd, crossEntropyPerExample, pgd } from '@dkl/attacks';
import { arg } from '../args.mjs';

const backend = core.describeBackend(await core.initBackend());
const batch = Number(arg('batch', '64'));
const iters = Number(arg('iters', '3'));
const size = Number(arg('size', '32'));
const classes = Number(arg('classes', '100'));
const wanted = arg('model', 'resnet8x4');
const attacks = arg('attacks', 'pgd10,apgd100').split(',');
const withTorch = process.argv.includes('--torch');
const python = arg('python', '/usr/bin/python3');
const threads = Number(arg('threads', String(os.availableParallelism?.() ?? os.cpus().length)));
if (withTorch) {
  // The native backend's thread count, set before it is initialised; PyTorch gets the same.
  try {
    const native = await import('@dkl/backend-native');
    native.setNativeThreads?.(threads);
  } catch {
    // no native backend: initBackend picks another one and the output says which
  }
}

/** A small CIFAR-like conv net: 3 conv stages (16, 32, 64 channels, stride 2 after the first), GAP, dense. */
function ownNet(seed = 1) {
  const he = (shape, fanIn) => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed++));
  const k1 = he([3, 3, 3, 16], 27);
  const k2 = he([3, 3, 16, 32], 144);
  const k3 = he([3, 3, 32, 64], 288);
  const w = he([64, classes], 64);
  const b = tf.variable(tf.zeros([classes]));
  const forward = (x) =>
    tf.tidy(() => {
      let h = tf.relu(tf.conv2d(x, k1, 1, 'same'));
      h = tf.relu(tf.conv2d(h, k2, 2, 'same'));
      h = tf.relu(tf.conv2d(h, k3, 2, 'same'));
      return tf.mean(h, [1, 2]).matMul(w).add(b);
    });
  const params = [k1, k2, k3, w, b].reduce((a, v) => a + v.size, 0);
  return { name: `own 3-conv net (16-32-64, ${params} params)`, forward, dispose: () => tf.dispose([k1, k2, k3, w, b]) };
}

async function loadModel() {
  if (wanted === 'own') return ownNet();
  try {
    const models = await import('@dkl/models');
    const model = models.createModel(wanted, { numClasses: classes, inputShape: [size, size, 3], seed: 1 });
    return { name: `@dkl/models ${wanted} (${model.countParams()} params)`, forward: (x) => model.forward(x, { training: false }).logits, dispose: () => model.dispose() };
  } catch (error) {
    const net = ownNet();
    return { ...net, name: `${net.name}; @dkl/models ${wanted} unavailable: ${String(error.message ?? error).split('\n')[0]}` };
  }
}

const model = await loadModel();
const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 7);
const y = tf.tidy(() => tf.argMax(model.forward(x), 1).toInt());
console.log(`backend: ${backend}`);
console.log(`model: ${model.name}; batch ${batch}; ${size}x${size}x3; ${classes} classes; eps 8/255`);

function time(fn, n) {
  const start = performance.now();
  for (let i = 0; i < n; i++) fn();
  return (performance.now() - start) / n;
}

// The same objective the attacks differentiate: summed per-example cross-entropy.
const gradFn = tf.grad((xi) => crossEntropyPerExample(model.forward(xi), y).sum());
const fwdBwd = () => tf.tidy(() => gradFn(x).dataSync());
fwdBwd(); // warm-up (kernel setup, allocation)
fwdBwd();
let fbMs = time(fwdBwd, iters);
const fwdMs = time(() => tf.tidy(() => model.forward(x).dataSync()), iters);
console.log(`forward: ${fwdMs.toFixed(1)} ms/batch; forward+backward (input gradient): ${fbMs.toFixed(1)} ms/batch = ${((batch * 1000) / fbMs).toFixed(1)} ex/s`);

const eps = 8 / 255;
const runs = {
  pgd10: { label: 'PGD-10 (L-inf, step eps/4, random start)', passes: 10, run: () => pgd(model.forward, x, y, { norm: 'linf', eps, stepSize: eps / 4, steps: 10 }) },
  apgd100: { label: 'APGD-CE-100 (L-inf, 1 restart)', passes: 101, run: () => apgd(model.forward, x, y, { eps, steps: 100 }) },
};
const before = tf.memory().numTensors;
const oursMs = {};
for (const key of attacks) {
  const spec = runs[key];
  if (!spec) throw new Error(`unknown attack '${key}' (known: ${Object.keys(runs).join(', ')})`);
  const n = key === 'apgd100' ? 1 : iters;
  const ms = time(() => {
    const adv = spec.run();
    adv.dataSync();
    adv.dispose();
  }, n);
  oursMs[key] = ms;
  const overhead = ms / fbMs;
  console.log(
    `${spec.label}: ${ms.toFixed(0)} ms/batch = ${((batch * 1000) / ms).toFixed(2)} ex/s; ${overhead.toFixed(1)}x one forward+backward ` +
      `(${spec.passes} gradient passes -> ${(overhead / spec.passes).toFixed(2)}x per pass); ${n} timed run(s)`,
  );
}
console.log(`tensors leaked across the attacks: ${tf.memory().numTensors - before}`);
// The machine may be shared: re-measure the reference after the attacks (warm caches) and report both.
const fbAfter = time(fwdBwd, iters);
console.log(`forward+backward re-measured after the attacks: ${fbAfter.toFixed(1)} ms/batch (before: ${fbMs.toFixed(1)})`);
tf.dispose([x, y]);
model.dispose();

if (withTorch) {
  if (wanted === 'own') throw new Error('--torch needs a model that tools/fixtures-models defines (e.g. --model resnet8x4)');
  const here = dirname(fileURLToPath(import.meta.url));
  const r = spawnSync(python, [join(here, 'attacks_torch.py'), wanted, String(threads), String(batch), String(iters), attacks.join(',')], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) throw new Error(`PyTorch run failed (${python}): ${r.stderr || r.error}`);
  const t = JSON.parse(r.stdout.trim().split('\n').pop());
  console.log(`\nPyTorch ${t.torch}, ${t.threads} threads: forward+backward ${(t.fwd_bwd_s * 1000).toFixed(1)} ms/batch`);
  console.log('| attack | PyTorch ms/batch | PyTorch ex/s | dkl ms/batch | dkl ex/s | ratio ex/s (dkl / PyTorch) |');
  console.log('|---|---|---|---|---|---|');
  for (const key of attacks) {
    const torchMs = t[key] * 1000;
    const ours = oursMs[key];
    console.log(`| ${runs[key].label} | ${torchMs.toFixed(0)} | ${((batch * 1000) / torchMs).toFixed(2)} | ${ours.toFixed(0)} | ${((batch * 1000) / ours).toFixed(2)} | ${(torchMs / ours).toFixed(2)} |`);
  }
  console.log(`forward+backward ratio (PyTorch ms / dkl ms): ${((t.fwd_bwd_s * 1000) / fbMs).toFixed(2)}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}
