// Minimal CIFAR ResNet / WRN in plain tfjs ops (NHWC), the same architectures as
// bench_torch.py: basic-block ResNet of depth 6n+2 with widths [w0, w1, w2, w3]
// (w1..w3 for the three stages), and pre-activation WRN-16-k. Batch-norm uses
// batch statistics (training mode) and updates running statistics like PyTorch.
import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '@dkl/core';

/** 'fused' uses @dkl/backend-native's batchNormTraining, 'composite' tf.moments + tf.batchNorm. */
let bnMode = 'fused';
export function setBatchNormMode(mode) { bnMode = mode; }

let seed = 1;
const nextSeed = () => seed++;

function convParam(k, cin, cout) {
  const std = Math.sqrt(2 / (k * k * cout)); // kaiming normal, fan_out, as torchvision / CRD
  return tf.variable(tf.randomNormal([k, k, cin, cout], 0, std, 'float32', nextSeed()));
}

function bnParams(c) {
  return {
    gamma: tf.variable(tf.ones([c])),
    beta: tf.variable(tf.zeros([c])),
    runMean: tf.zeros([c]),
    runVar: tf.ones([c]),
  };
}

/** Batch-norm, followed by relu when `relu` (fused into the batch-norm pass in 'fused' mode). */
function batchNorm(x, p, training, relu = false) {
  if (!training) {
    const y = tf.batchNorm(x, p.runMean, p.runVar, p.beta, p.gamma, 1e-5);
    return relu ? tf.relu(y) : y;
  }
  let y, mean, variance;
  if (bnMode === 'fused') {
    ({ y, mean, variance } = batchNormTraining(x, p.gamma, p.beta, 1e-5, relu ? 'relu' : 'linear'));
  } else {
    ({ mean, variance } = tf.moments(x, [0, 1, 2]));
    y = tf.batchNorm(x, mean, variance, p.beta, p.gamma, 1e-5);
    if (relu) y = tf.relu(y);
  }
  // Running statistics (momentum 0.1, unbiased variance), as PyTorch keeps them.
  const n = x.size / x.shape[3];
  const rm = tf.keep(tf.add(tf.mul(p.runMean, 0.9), tf.mul(mean, 0.1)));
  const rv = tf.keep(tf.add(tf.mul(p.runVar, 0.9), tf.mul(variance, (0.1 * n) / (n - 1))));
  p.pending = [rm, rv];
  return y;
}

/** Commits running-statistics updates computed during a training forward pass. */
function commitBn(params) {
  for (const p of params) {
    if (!p.pending) continue;
    tf.dispose([p.runMean, p.runVar]);
    [p.runMean, p.runVar] = p.pending;
    p.pending = undefined;
  }
}

function dense(cin, cout) {
  const bound = 1 / Math.sqrt(cin);
  return {
    w: tf.variable(tf.randomUniform([cin, cout], -bound, bound, 'float32', nextSeed())),
    b: tf.variable(tf.randomUniform([cout], -bound, bound, 'float32', nextSeed())),
  };
}

/** BatchNorm parameters made through `bn(c)`, listed in `bns` in creation order. */
function bnCollector() {
  const bns = [];
  const bn = (c) => { const p = bnParams(c); bns.push(p); return p; };
  return { bns, bn };
}

/**
 * Three stages of `n` blocks each, made in order by `block(cin, cout, stride)`: stage s widens to
 * widths[s + 1], its first block strides 2 from the second stage on. `cin` is the last width.
 */
function threeStages(widths, n, block) {
  const blocks = [];
  let cin = widths[0];
  for (let s = 0; s < 3; ++s) {
    const cout = widths[s + 1];
    for (let i = 0; i < n; ++i) {
      blocks.push(block(cin, cout, s > 0 && i === 0 ? 2 : 1));
      cin = cout;
    }
  }
  return { blocks, cin };
}

/** CIFAR ResNet (basic blocks), depth = 6n + 2. */
export function resnet(depth, widths, numClasses) {
  const n = (depth - 2) / 6;
  const { bns, bn } = bnCollector();
  const stem = { w: convParam(3, 3, widths[0]), bn: bn(widths[0]) };
  const { blocks, cin } = threeStages(widths, n, (cin, cout, stride) => {
    const b = { stride, w1: convParam(3, cin, cout), bn1: bn(cout), w2: convParam(3, cout, cout), bn2: bn(cout) };
    if (stride !== 1 || cin !== cout) b.down = { w: convParam(1, cin, cout), bn: bn(cout) };
    return b;
  });
  const fc = dense(cin, numClasses);
  const forward = (x, training) => {
    let h = batchNorm(tf.conv2d(x, stem.w, 1, 'same'), stem.bn, training, true);
    for (const b of blocks) {
      let o = batchNorm(tf.conv2d(h, b.w1, b.stride, 'same'), b.bn1, training, true);
      o = batchNorm(tf.conv2d(o, b.w2, 1, 'same'), b.bn2, training);
      const sc = b.down ? batchNorm(tf.conv2d(h, b.down.w, b.stride, 'valid'), b.down.bn, training) : h;
      h = tf.relu(tf.add(o, sc));
    }
    const pooled = tf.mean(h, [1, 2]);
    return tf.add(tf.matMul(pooled, fc.w), fc.b);
  };
  return { forward, commit: () => commitBn(bns), bns };
}

/** Wide ResNet WRN-depth-k (pre-activation blocks, no dropout). */
export function wrn(depth, k, numClasses) {
  const n = (depth - 4) / 6;
  const widths = [16, 16 * k, 32 * k, 64 * k];
  const { bns, bn } = bnCollector();
  const stem = convParam(3, 3, widths[0]);
  const { blocks, cin } = threeStages(widths, n, (cin, cout, stride) => {
    const b = { stride, bn1: bn(cin), w1: convParam(3, cin, cout), bn2: bn(cout), w2: convParam(3, cout, cout) };
    if (cin !== cout) b.short = convParam(1, cin, cout);
    return b;
  });
  const bnLast = bn(cin);
  const fc = dense(cin, numClasses);
  const forward = (x, training) => {
    let h = tf.conv2d(x, stem, 1, 'same');
    for (const b of blocks) {
      const a = batchNorm(h, b.bn1, training, true);
      let o = tf.conv2d(a, b.w1, b.stride, 'same');
      o = tf.conv2d(batchNorm(o, b.bn2, training, true), b.w2, 1, 'same');
      const sc = b.short ? tf.conv2d(a, b.short, b.stride, 'valid') : h;
      h = tf.add(o, sc);
    }
    h = batchNorm(h, bnLast, training, true);
    const pooled = tf.mean(h, [1, 2]);
    return tf.add(tf.matMul(pooled, fc.w), fc.b);
  };
  return { forward, commit: () => commitBn(bns), bns };
}

/** The benchmark's models by name. */
export function makeModel(name, numClasses = 100) {
  switch (name) {
    case 'resnet8x4': return resnet(8, [32, 64, 128, 256], numClasses);
    case 'resnet32x4': return resnet(32, [32, 64, 128, 256], numClasses);
    case 'resnet8': return resnet(8, [16, 16, 32, 64], numClasses);
    case 'resnet32': return resnet(32, [16, 16, 32, 64], numClasses);
    case 'wrn_16_2': return wrn(16, 2, numClasses);
    default: throw new Error(`unknown model '${name}' (resnet8x4, resnet32x4, resnet8, resnet32, wrn_16_2)`);
  }
}
