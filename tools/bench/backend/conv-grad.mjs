#!/usr/bin/env node
// Training step of a CIFAR ResNet on wasm with dkl's XNNPACK convolution-gradient kernels versus
// the same step with the cpu backend's Conv2DBackpropFilter/Input borrowed (the only other way to
// train convolutions on stock wasm), in one process. Usage:
//   node tools/bench/backend/conv-grad.mjs [--model resnet8x4] [--batch 64] [--iters 3]
import * as tf from '@tensorflow/tfjs';
import { initBackend, registerCpuFallbackKernels, registerWasmConvGradKernels } from '@dkl/core';
import { createModel } from '@dkl/models';
import { medianMs } from '../timing.mjs';

const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const modelName = flag('model', 'resnet8x4');
const batch = Number(flag('batch', 64));
const iters = Number(flag('iters', 3));
await initBackend({ prefer: ['wasm'] });
const model = createModel(modelName, { numClasses: 100 });
const x = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 1);
const y = tf.oneHot(tf.randomUniform([batch], 0, 100, 'int32', 2), 100);
const step = () =>
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, model.forward(x, { training: true }).logits), model.trainableVariables);
    value.dataSync();
    return Object.keys(grads).length;
  });
const ours = medianMs(iters, step);
for (const name of ['Conv2DBackpropFilter', 'Conv2DBackpropInput']) tf.unregisterKernel(name, 'wasm');
registerCpuFallbackKernels('wasm'); // borrows the cpu backend's kernels for the two just removed
const borrowed = medianMs(iters, step);
console.log(`${modelName}, batch ${batch}, wasm forward+backward, median of ${iters}:`);
console.log(`  dkl conv-gradient kernels (XNNPACK): ${ours.toFixed(0)} ms  ${((batch * 1000) / ours).toFixed(1)} img/s`);
console.log(`  cpu-backend conv-gradient kernels:   ${borrowed.toFixed(0)} ms  ${((batch * 1000) / borrowed).toFixed(1)} img/s`);
console.log(`  speed-up: ${(borrowed / ours).toFixed(2)}x`);
registerWasmConvGradKernels('wasm');
