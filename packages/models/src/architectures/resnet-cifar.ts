/**
 * mdistiller's CIFAR ResNet (`resnet8`..`resnet110`, `resnet8x4`, `resnet32x4`): 3x3 stem conv,
 * three stages of post-activation basic blocks (depth 6n+2), 1x1 conv + BN projection shortcuts,
 * no conv biases, kaiming_normal(fan_out) conv init, default Linear init.
 */
import * as tf from '@tensorflow/tfjs';
import { PREACT_PREFIX } from '@dkl/core';
import { BatchNorm2d, Conv2d, ConvBn, join, Linear, type ForwardContext } from '../nn/layers.js';
import type { ParamStore } from '../nn/param.js';
import type { BuildOptions, Network, NetworkOutput } from './network.js';
import { forwardResidualStages, type ResidualBlock } from './residual-stages.js';

class BasicBlock implements ResidualBlock {
  private readonly branch1: ConvBn;
  private readonly branch2: ConvBn;
  private readonly downsample: { conv: Conv2d; bn: BatchNorm2d } | null;

  constructor(store: ParamStore, name: string, inPlanes: number, planes: number, stride: number) {
    this.branch1 = new ConvBn(store, join(name, 'conv1'), join(name, 'bn1'), inPlanes, planes, { kernel: 3, stride, padding: 1, init: 'fanOut' });
    this.branch2 = new ConvBn(store, join(name, 'conv2'), join(name, 'bn2'), planes, planes, { kernel: 3, padding: 1, init: 'fanOut' });
    this.downsample =
      stride !== 1 || inPlanes !== planes
        ? {
            conv: new Conv2d(store, join(name, 'downsample', 0), inPlanes, planes, { kernel: 1, stride, init: 'fanOut' }),
            bn: new BatchNorm2d(store, join(name, 'downsample', 1), planes),
          }
        : null;
  }

  /** The block's output and its pre-activation (the sum before the last ReLU: mdistiller's `preact`). */
  forward(x: tf.Tensor4D, ctx: ForwardContext): [tf.Tensor4D, tf.Tensor4D] {
    const out = this.branch2.forward(this.branch1.forward(x, ctx, true), ctx, false);
    const residual = this.downsample ? this.downsample.bn.forward(this.downsample.conv.forward(x), ctx) : x;
    const preact = tf.add(out, residual) as tf.Tensor4D;
    return [tf.relu(preact) as tf.Tensor4D, preact];
  }
}

export function buildCifarResNet(depth: number, widths: readonly [number, number, number, number]) {
  if ((depth - 2) % 6 !== 0) throw new Error(`CIFAR ResNet depth must be 6n+2, got ${depth}`);
  const n = (depth - 2) / 6;
  return (store: ParamStore, options: BuildOptions): Network => {
    const stem = new ConvBn(store, 'conv1', 'bn1', 3, widths[0], { kernel: 3, padding: 1, init: 'fanOut' });
    let inPlanes = widths[0];
    const stages: BasicBlock[][] = [];
    for (let s = 0; s < 3; s++) {
      const planes = widths[s + 1]!;
      const blocks: BasicBlock[] = [];
      for (let i = 0; i < n; i++) {
        blocks.push(new BasicBlock(store, join(`layer${s + 1}`, i), inPlanes, planes, i === 0 && s > 0 ? 2 : 1));
        inPlanes = planes;
      }
      stages.push(blocks);
    }
    const fc = new Linear(store, 'fc', widths[3], options.numClasses);
    return {
      // The last block's second BatchNorm of every stage.
      preactNorms: Object.fromEntries(stages.map((_, s) => [`${PREACT_PREFIX}stage${s + 1}`, join(`layer${s + 1}`, n - 1, 'bn2')])),
      forward(x, ctx): NetworkOutput {
        const features: Record<string, tf.Tensor> = {};
        const h = stem.forward(x, ctx, true);
        features['stem'] = h;
        return forwardResidualStages(h, stages, fc, ctx, features);
      },
    };
  };
}
