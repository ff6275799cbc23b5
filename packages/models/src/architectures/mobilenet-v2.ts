/**
 * mdistiller's CIFAR MobileNetV2 (`mobile_half` = expansion 6, width 0.5): stride-2 3x3 stem,
 * inverted residual blocks (1x1 expand -> 3x3 depthwise -> 1x1 linear projection, each with BN;
 * the expand conv exists even for expansion 1), residual add when stride 1 and channels equal,
 * 1x1 conv to 1280, average pool, Linear. Init: conv N(0, 2/(k*k*out)), Linear N(0, 0.01), zero bias.
 */
import * as tf from '@tensorflow/tfjs';
import { ConvBn, globalAvgPool, join, Linear, type ForwardContext } from '../nn/layers.js';
import type { ParamStore } from '../nn/param.js';
import type { BuildOptions, Network, NetworkOutput } from './network.js';

class InvertedResidual {
  private readonly expand: ConvBn;
  private readonly depthwise: ConvBn;
  private readonly project: ConvBn;
  private readonly residual: boolean;

  constructor(store: ParamStore, name: string, inp: number, oup: number, stride: number, expansion: number) {
    const hidden = inp * expansion;
    const c = (i: number) => join(name, 'conv', i);
    this.expand = new ConvBn(store, c(0), c(1), inp, hidden, { kernel: 1, init: 'fanOut' });
    this.depthwise = new ConvBn(store, c(3), c(4), hidden, hidden, { kernel: 3, stride, padding: 1, groups: hidden, init: 'fanOut' });
    this.project = new ConvBn(store, c(6), c(7), hidden, oup, { kernel: 1, init: 'fanOut' });
    this.residual = stride === 1 && inp === oup;
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const out = this.project.forward(this.depthwise.forward(this.expand.forward(x, ctx, true), ctx, true), ctx, false);
    return this.residual ? tf.add(x, out) : out;
  }
}

export function buildMobileNetV2(expansion: number, widthMult: number) {
  const setting: readonly (readonly [number, number, number, number])[] = [
    [1, 16, 1, 1],
    [expansion, 24, 2, 1],
    [expansion, 32, 3, 2],
    [expansion, 64, 4, 2],
    [expansion, 96, 3, 1],
    [expansion, 160, 3, 2],
    [expansion, 320, 1, 1],
  ];
  return (store: ParamStore, options: BuildOptions): Network => {
    let inp = Math.trunc(32 * widthMult);
    const stem = new ConvBn(store, 'conv1.0', 'conv1.1', 3, inp, { kernel: 3, stride: 2, padding: 1, init: 'fanOut' });
    const blocks = setting.map(([t, c, n, s], b) => {
      const oup = Math.trunc(c * widthMult);
      return Array.from({ length: n }, (_, i) => {
        const block = new InvertedResidual(store, join('blocks', b, i), inp, oup, i === 0 ? s : 1, t);
        inp = oup;
        return block;
      });
    });
    const last = widthMult > 1 ? Math.trunc(1280 * widthMult) : 1280;
    const head = new ConvBn(store, 'conv2.0', 'conv2.1', inp, last, { kernel: 1, init: 'fanOut' });
    const classifier = new Linear(store, 'classifier.0', last, options.numClasses, 'normal001');
    // Upstream feature taps: after blocks 1, 2, 4 and 6.
    const taps: Record<number, string> = { 1: 'stage1', 2: 'stage2', 4: 'stage3', 6: 'stage4' };
    return {
      forward(x, ctx): NetworkOutput {
        const features: Record<string, tf.Tensor> = {};
        let h = stem.forward(x, ctx, true);
        features['stem'] = h;
        blocks.forEach((group, b) => {
          for (const block of group) h = block.forward(h, ctx);
          const tap = taps[b];
          if (tap) features[tap] = h;
        });
        const embedding = globalAvgPool(head.forward(h, ctx, true));
        features['embedding'] = embedding;
        return { logits: classifier.forward(embedding), features };
      },
    };
  };
}
