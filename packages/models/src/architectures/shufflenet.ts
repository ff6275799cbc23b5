/**
 * mdistiller's CIFAR ShuffleNet V1 (`ShuffleV1`: out planes [240, 480, 960], blocks [4, 8, 4],
 * groups 3) and V2 (`ShuffleV2`: net size 1, out channels [116, 232, 464, 1024], blocks [3, 7, 3]).
 * Neither re-initialises, so every conv/linear uses PyTorch's default init.
 */
import * as tf from '@tensorflow/tfjs';
import { avgPool2d, channelShuffle, ConvBn, globalAvgPool, join, Linear, type ForwardContext } from '../nn/layers.js';
import type { ParamStore } from '../nn/param.js';
import type { BuildOptions, Network, NetworkOutput } from './network.js';

class ShuffleV1Block {
  private readonly c1: ConvBn;
  private readonly c2: ConvBn;
  private readonly c3: ConvBn;
  private readonly g1: number;

  constructor(store: ParamStore, name: string, inPlanes: number, outPlanes: number, private readonly stride: number, groups: number) {
    const mid = Math.trunc(outPlanes / 4);
    this.g1 = inPlanes === 24 ? 1 : groups;
    const n = (s: string) => join(name, s);
    this.c1 = new ConvBn(store, n('conv1'), n('bn1'), inPlanes, mid, { kernel: 1, groups: this.g1, init: 'torch' });
    this.c2 = new ConvBn(store, n('conv2'), n('bn2'), mid, mid, { kernel: 3, stride, padding: 1, groups: mid, init: 'torch' });
    this.c3 = new ConvBn(store, n('conv3'), n('bn3'), mid, outPlanes, { kernel: 1, groups, init: 'torch' });
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    let out = channelShuffle(this.c1.forward(x, ctx, true), this.g1);
    out = this.c3.forward(this.c2.forward(out, ctx, true), ctx, false);
    if (this.stride === 2) return tf.relu(tf.concat([out, avgPool2d(x, 3, 2, 1)], 3));
    return tf.relu(tf.add(out, x)) as tf.Tensor4D;
  }
}

export function buildShuffleV1() {
  const outPlanes = [240, 480, 960];
  const numBlocks = [4, 8, 4];
  const groups = 3;
  return (store: ParamStore, options: BuildOptions): Network => {
    const stem = new ConvBn(store, 'conv1', 'bn1', 3, 24, { kernel: 1, init: 'torch' });
    let inPlanes = 24;
    const stages = outPlanes.map((out, s) =>
      Array.from({ length: numBlocks[s]! }, (_, i) => {
        const catPlanes = i === 0 ? inPlanes : 0;
        const block = new ShuffleV1Block(store, join(`layer${s + 1}`, i), inPlanes, out - catPlanes, i === 0 ? 2 : 1, groups);
        inPlanes = out;
        return block;
      }),
    );
    const linear = new Linear(store, 'linear', 960, options.numClasses);
    return {
      forward(x, ctx): NetworkOutput {
        const features: Record<string, tf.Tensor> = {};
        let h = stem.forward(x, ctx, true);
        features['stem'] = h;
        stages.forEach((blocks, s) => {
          for (const block of blocks) h = block.forward(h, ctx);
          features[`stage${s + 1}`] = h;
        });
        const embedding = globalAvgPool(h);
        features['embedding'] = embedding;
        return { logits: linear.forward(embedding), features };
      },
    };
  };
}

class ShuffleV2Basic {
  private readonly c1: ConvBn;
  private readonly c2: ConvBn;
  private readonly c3: ConvBn;
  constructor(store: ParamStore, name: string, channels: number) {
    const c = Math.trunc(channels * 0.5);
    const n = (s: string) => join(name, s);
    this.c1 = new ConvBn(store, n('conv1'), n('bn1'), c, c, { kernel: 1, init: 'torch' });
    this.c2 = new ConvBn(store, n('conv2'), n('bn2'), c, c, { kernel: 3, padding: 1, groups: c, init: 'torch' });
    this.c3 = new ConvBn(store, n('conv3'), n('bn3'), c, c, { kernel: 1, init: 'torch' });
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const c = x.shape[3];
    const split = Math.trunc(c * 0.5);
    const [x1, x2] = tf.split(x, [split, c - split], 3) as [tf.Tensor4D, tf.Tensor4D];
    const out = this.c3.forward(this.c2.forward(this.c1.forward(x2, ctx, true), ctx, false), ctx, true);
    return channelShuffle(tf.concat([x1, out], 3), 2);
  }
}

class ShuffleV2Down {
  private readonly c1: ConvBn;
  private readonly c2: ConvBn;
  private readonly c3: ConvBn;
  private readonly c4: ConvBn;
  private readonly c5: ConvBn;
  constructor(store: ParamStore, name: string, inC: number, outC: number) {
    const mid = Math.trunc(outC / 2);
    const n = (s: string) => join(name, s);
    this.c1 = new ConvBn(store, n('conv1'), n('bn1'), inC, inC, { kernel: 3, stride: 2, padding: 1, groups: inC, init: 'torch' });
    this.c2 = new ConvBn(store, n('conv2'), n('bn2'), inC, mid, { kernel: 1, init: 'torch' });
    this.c3 = new ConvBn(store, n('conv3'), n('bn3'), inC, mid, { kernel: 1, init: 'torch' });
    this.c4 = new ConvBn(store, n('conv4'), n('bn4'), mid, mid, { kernel: 3, stride: 2, padding: 1, groups: mid, init: 'torch' });
    this.c5 = new ConvBn(store, n('conv5'), n('bn5'), mid, mid, { kernel: 1, init: 'torch' });
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const left = this.c2.forward(this.c1.forward(x, ctx, false), ctx, true);
    const right = this.c5.forward(this.c4.forward(this.c3.forward(x, ctx, true), ctx, false), ctx, true);
    return channelShuffle(tf.concat([left, right], 3), 2);
  }
}

export function buildShuffleV2() {
  const outChannels = [116, 232, 464, 1024] as const;
  const numBlocks = [3, 7, 3] as const;
  return (store: ParamStore, options: BuildOptions): Network => {
    const stem = new ConvBn(store, 'conv1', 'bn1', 3, 24, { kernel: 1, init: 'torch' });
    let inC = 24;
    const stages = numBlocks.map((n, s) => {
      const out = outChannels[s]!;
      const down = new ShuffleV2Down(store, join(`layer${s + 1}`, 0), inC, out);
      const basics = Array.from({ length: n }, (_, i) => new ShuffleV2Basic(store, join(`layer${s + 1}`, i + 1), out));
      inC = out;
      return { down, basics };
    });
    const head = new ConvBn(store, 'conv2', 'bn2', outChannels[2], outChannels[3], { kernel: 1, init: 'torch' });
    const linear = new Linear(store, 'linear', outChannels[3], options.numClasses);
    return {
      forward(x, ctx): NetworkOutput {
        const features: Record<string, tf.Tensor> = {};
        let h = stem.forward(x, ctx, true);
        features['stem'] = h;
        stages.forEach(({ down, basics }, s) => {
          h = down.forward(h, ctx);
          for (const block of basics) h = block.forward(h, ctx);
          features[`stage${s + 1}`] = h;
        });
        const embedding = globalAvgPool(head.forward(h, ctx, true));
        features['embedding'] = embedding;
        return { logits: linear.forward(embedding), features };
      },
    };
  };
}
