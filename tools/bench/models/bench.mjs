#!/usr/bin/env node
/**
 * Forward and forward+backward throughput (images/second) of the distillation models on the
 * selected backend. Imports the BUILT package (build first:
 *   npx tsc --build packages/core/tsconfig.lib.json packages/models/tsconfig.lib.json).
 *
 * Usage: node tools/bench/models/bench.mjs [--models resnet8x4,wrn_16_2,resnet32x4] [--batch 64]
 *                                          [--iters 3] [--size 32]
 * Backend: @dkl/core's initBackend (DKL_BACKEND=cpu|wasm|... forces one).
 * On the pure-JS cpu backend the default batch drops to 8 (set --batch to override).
 */
import * as tf from '@tensorflow/tfjs';
import * as core from '@dkl/core';
import { createModel } from '@dkl/models';
import { arg } from '../args.mjs';

const backend = core.describeBackend(await core.initBackend());
const onCpu = tf.getBackend() === 'cpu';
const batch = Number(arg('batch', onCpu ? '8' : '64'));
const iters = Number(arg('iters', '3'));
const size = Number(arg('size', '32'));
const names = arg('models', 'resnet8x4,wrn_16_2,resnet32x4').split(',');
console.log(`backend: ${backend}; batch ${batch}${onCpu && !process.argv.includes('--batch') ? ' (reduced: cpu backend)' : ''}; ${size}x${size} inputs; ${iters} timed iterations after 1 warm-up`);

function time(fn) {
  fn(); // warm-up (kernel compilation, allocation)
  const start = performance.now();
  for (let i = 0; i < iters; i++) fn();
  return (performance.now() - start) / iters;
}

const rows = [];
for (const name of names) {
  const model = createModel(name, { numClasses: 100, inputShape: [size, size, 3] });
  const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 1);
  const labels = tf.oneHot(tf.randomUniform([batch], 0, 100, 'int32', 2), 100);
  const optimizer = tf.train.sgd(0.01);
  console.log(`${name}: timing forward`);
  const forwardMs = time(() => {
    const out = model.forward(x, { training: false });
    out.logits.dataSync();
    tf.dispose([out.logits, ...Object.values(out.features)]);
  });
  console.log(`${name}: timing forward+backward`);
  const trainMs = time(() => {
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, model.forward(x, { training: true }).logits),
      model.trainableVariables,
    );
    optimizer.applyGradients(grads);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  });
  const row = {
    model: name,
    params: model.countParams(),
    'forward img/s': +(batch / (forwardMs / 1000)).toFixed(1),
    'fwd+bwd img/s': +(batch / (trainMs / 1000)).toFixed(1),
  };
  rows.push(row);
  console.log(JSON.stringify(row));
  optimizer.dispose();
  tf.dispose([x, labels]);
  model.dispose();
}
console.table(rows);
