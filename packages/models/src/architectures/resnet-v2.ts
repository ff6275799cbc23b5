/**
 * Four-stage ResNets with basic or bottleneck (stride on the 3x3 conv) blocks and projection
 * shortcuts, in two stems:
 * - `cifar`: mdistiller `resnetv2.py` (`ResNet18`, `ResNet50`): 3x3 stride-1 stem, shortcut
 *   modules named `shortcut.0/1`, Linear named `linear`.
 * - `imagenet`: torchvision layout (`imagenet_resnet18/34/50`): 7x7 stride-2 stem + 3x3 max-pool,
 *   shortcut named `downsample.0/1`, Linear named `fc`. mdistiller's ImageNet ResNet moves each
 *   ReLU to the start of the next block, which computes the same function with the same names.
 * Both: kaiming_normal(fan_out) convs, BN weight 1 / bias 0, default Linear init.
 */
import * as tf from '@tensorflow/tfjs';
import { PREACT_PREFIX } from '@dkl/core';
import { BatchNorm2d, Conv2d, ConvBn, join, Linear, maxPool2d, type ForwardContext } from '../nn/layers.js';
import type { ParamStore } from '../nn/param.js';
import type { BuildOptions, Network, NetworkOutput } from './network.js';
import { forwardResidualStages, type ResidualBlock } from './residual-stages.js';

type BlockKind = 'basic' | 'bottleneck';

class ResBlock implements ResidualBlock {
  private readonly convs: ConvBn[] = [];
  private readonly shortcut: { conv: Conv2d; bn: BatchNorm2d } | null;

  constructor(store: ParamStore, name: string, kind: BlockKind, inPlanes: number, planes: number, stride: number, shortcutName: string) {
    const n = (s: string) => join(name, s);
    const expansion = kind === 'basic' ? 1 : 4;
    if (kind === 'basic') {
      this.convs.push(new ConvBn(store, n('conv1'), n('bn1'), inPlanes, planes, { kernel: 3, stride, padding: 1, init: 'fanOut' }));
      this.convs.push(new ConvBn(store, n('conv2'), n('bn2'), planes, planes, { kernel: 3, padding: 1, init: 'fanOut' }));
    } else {
      this.convs.push(new ConvBn(store, n('conv1'), n('bn1'), inPlanes, planes, { kernel: 1, init: 'fanOut' }));
      this.convs.push(new ConvBn(store, n('conv2'), n('bn2'), planes, planes, { kernel: 3, stride, padding: 1, init: 'fanOut' }));
      this.convs.push(new ConvBn(store, n('conv3'), n('bn3'), planes, planes * 4, { kernel: 1, init: 'fanOut' }));
    }
    this.shortcut =
      stride !== 1 || inPlanes !== planes * expansion
        ? {
            conv: new Conv2d(store, join(name, shortcutName, 0), inPlanes, planes * expansion, { kernel: 1, stride, init: 'fanOut' }),
            bn: new BatchNorm2d(store, join(name, shortcutName, 1), planes * expansion),
          }
        : null;
  }

  /** The block's output and its pre-activation (the sum before the last ReLU: mdistiller's `preact`). */
  forward(x: tf.Tensor4D, ctx: ForwardContext): [tf.Tensor4D, tf.Tensor4D] {
    let out = x;
    this.convs.forEach((c, i) => {
      out = c.forward(out, ctx, i < this.convs.length - 1);
    });
    const residual = this.shortcut ? this.shortcut.bn.forward(this.shortcut.conv.forward(x), ctx) : x;
    const preact = tf.add(out, residual) as tf.Tensor4D;
    return [tf.relu(preact) as tf.Tensor4D, preact];
  }
}

export function buildFourStageResNet(kind: BlockKind, numBlocks: readonly number[], stem: 'cifar' | 'imagenet') {
  const expansion = kind === 'basic' ? 1 : 4;
  return (store: ParamStore, options: BuildOptions): Network => {
    const conv = stem === 'cifar' ? { kernel: 3, padding: 1 } : { kernel: 7, stride: 2, padding: 3 };
    const stemConv = new ConvBn(store, 'conv1', 'bn1', 3, 64, { ...conv, init: 'fanOut' });
    const shortcutName = stem === 'cifar' ? 'shortcut' : 'downsample';
    let inPlanes = 64;
    const stages = [64, 128, 256, 512].map((planes, s) =>
      Array.from({ length: numBlocks[s]! }, (_, i) => {
        const block = new ResBlock(store, join(`layer${s + 1}`, i), kind, inPlanes, planes, i === 0 && s > 0 ? 2 : 1, shortcutName);
        inPlanes = planes * expansion;
        return block;
      }),
    );
    const fc = new Linear(store, stem === 'cifar' ? 'linear' : 'fc', 512 * expansion, options.numClasses);
    const lastNorm = kind === 'basic' ? 'bn2' : 'bn3';
    return {
      // The last block's last BatchNorm of every stage; mdistiller's ImageNet ResNet leaves out stage 1.
      preactNorms: Object.fromEntries(
        stages.map((blocks, s) => [`${PREACT_PREFIX}stage${s + 1}`, join(`layer${s + 1}`, blocks.length - 1, lastNorm)] as const).filter((_, s) => stem === 'cifar' || s > 0),
      ),
      forward(x, ctx): NetworkOutput {
        const features: Record<string, tf.Tensor> = {};
        let h = stemConv.forward(x, ctx, true);
        features['stem'] = h;
        if (stem === 'imagenet') h = maxPool2d(h, 3, 2, 1);
        return forwardResidualStages(h, stages, fc, ctx, features);
      },
    };
  };
}
