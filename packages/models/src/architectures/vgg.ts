/**
 * mdistiller's CIFAR VGG with BatchNorm (`vgg8_bn`..`vgg19_bn`): five conv blocks (conv3x3 with
 * bias -> BN -> ReLU, the last ReLU of each block applied outside), 2x2 max-pools after blocks
 * 0-2 (and after block 3 only for 64-pixel inputs, as upstream), adaptive average pool, one
 * Linear. Init: conv N(0, 2/(9*out)) with zero bias, Linear N(0, 0.01) with zero bias.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNorm2d, Conv2d, globalAvgPool, join, Linear, maxPool2d, type ForwardContext } from '../nn/layers.js';
import type { ParamStore } from '../nn/param.js';
import type { BuildOptions, Network, NetworkOutput } from './network.js';

/** Conv widths per block (mdistiller cfg S, A, B, D, E). */
export const VGG_CONFIGS: Readonly<Record<number, readonly (readonly number[])[]>> = {
  8: [[64], [128], [256], [512], [512]],
  11: [[64], [128], [256, 256], [512, 512], [512, 512]],
  13: [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
  16: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
  19: [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]],
};

class VggBlock {
  private readonly layers: { conv: Conv2d; bn: BatchNorm2d }[] = [];
  constructor(store: ParamStore, name: string, inChannels: number, widths: readonly number[]) {
    let c = inChannels;
    widths.forEach((v, i) => {
      // nn.Sequential indices: conv 3i, bn 3i+1, relu 3i+2.
      this.layers.push({
        conv: new Conv2d(store, join(name, 3 * i), c, v, { kernel: 3, padding: 1, bias: true, biasInit: 'zeros', init: 'fanOut' }),
        bn: new BatchNorm2d(store, join(name, 3 * i + 1), v),
      });
      c = v;
    });
  }

  /** Returns the pre-activation output (upstream drops the block's last ReLU). */
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    let h = x;
    const last = this.layers.length - 1;
    this.layers.forEach(({ conv, bn }, i) => {
      h = bn.forward(conv.forward(h), ctx, i === last ? 'linear' : 'relu');
    });
    return h;
  }
}

export function buildVgg(depth: number) {
  const cfg = VGG_CONFIGS[depth];
  if (!cfg) throw new Error(`VGG depth must be one of ${Object.keys(VGG_CONFIGS).join(', ')}, got ${depth}`);
  return (store: ParamStore, options: BuildOptions): Network => {
    let c = 3;
    const blocks = cfg.map((widths, i) => {
      const block = new VggBlock(store, `block${i}`, c, widths);
      c = widths[widths.length - 1]!;
      return block;
    });
    const classifier = new Linear(store, 'classifier', 512, options.numClasses, 'normal001');
    const poolAfterBlock3 = options.inputShape[0] === 64;
    return {
      forward(x, ctx): NetworkOutput {
        const features: Record<string, tf.Tensor> = {};
        let h = tf.relu(blocks[0]!.forward(x, ctx));
        features['stem'] = h;
        for (let i = 1; i < 5; i++) {
          if (i < 4 || poolAfterBlock3) h = maxPool2d(h, 2, 2);
          h = tf.relu(blocks[i]!.forward(h, ctx));
          features[`stage${i}`] = h;
        }
        const embedding = globalAvgPool(h);
        features['embedding'] = embedding;
        return { logits: classifier.forward(embedding), features };
      },
    };
  };
}
