/**
 * Wide ResNet as in mdistiller `wrn.py` and the TRADES `WideResNet` (identical layer names):
 * pre-activation blocks (BN-ReLU-conv), 1x1 conv shortcut when channels change, final BN-ReLU,
 * global average pooling; conv init N(0, 2/(k*k*out)), Linear default weight with zero bias.
 * Depth 6n+4, widths [16, 16k, 32k, 64k]. TRADES checkpoints also carry an unused `sub_block1`
 * group; it is never part of the forward pass, so it is only declared when `subBlock1` is set.
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNorm2d, Conv2d, globalAvgPool, join, Linear, type ForwardContext } from '../nn/layers.js';
import type { ParamStore } from '../nn/param.js';
import type { BuildOptions, Network, NetworkOutput } from './network.js';

class PreActBlock {
  private readonly bn1: BatchNorm2d;
  private readonly conv1: Conv2d;
  private readonly bn2: BatchNorm2d;
  private readonly conv2: Conv2d;
  private readonly shortcut: Conv2d | null;

  constructor(store: ParamStore, name: string, inPlanes: number, outPlanes: number, stride: number) {
    this.bn1 = new BatchNorm2d(store, join(name, 'bn1'), inPlanes);
    this.conv1 = new Conv2d(store, join(name, 'conv1'), inPlanes, outPlanes, { kernel: 3, stride, padding: 1, init: 'fanOut' });
    this.bn2 = new BatchNorm2d(store, join(name, 'bn2'), outPlanes);
    this.conv2 = new Conv2d(store, join(name, 'conv2'), outPlanes, outPlanes, { kernel: 3, padding: 1, init: 'fanOut' });
    this.shortcut =
      inPlanes === outPlanes
        ? null
        : new Conv2d(store, join(name, 'convShortcut'), inPlanes, outPlanes, { kernel: 1, stride, init: 'fanOut' });
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const act = this.bn1.forward(x, ctx, 'relu');
    const out = this.conv2.forward(this.bn2.forward(this.conv1.forward(act), ctx, 'relu'));
    // Upstream: identity blocks add the raw input; projection blocks project the activated input.
    return tf.add(this.shortcut ? this.shortcut.forward(act) : x, out);
  }
}

function group(store: ParamStore, name: string, n: number, inPlanes: number, outPlanes: number, stride: number): PreActBlock[] {
  return Array.from({ length: n }, (_, i) =>
    new PreActBlock(store, join(name, 'layer', i), i === 0 ? inPlanes : outPlanes, outPlanes, i === 0 ? stride : 1),
  );
}

export interface WrnOptions {
  readonly depth: number;
  readonly widenFactor: number;
  /** Declare TRADES' unused `sub_block1` group (so its checkpoints load strictly and counts match TRADES). */
  readonly subBlock1?: boolean;
}

export function wrnDepthError(depth: number): string | null {
  return Number.isInteger(depth) && depth >= 10 && (depth - 4) % 6 === 0 ? null : `depth must be 6n+4 (10, 16, 22, 28, 34, 40, ...), got ${depth}`;
}

export function buildWideResNet(wrn: WrnOptions) {
  const error = wrnDepthError(wrn.depth);
  if (error) throw new Error(error);
  const n = (wrn.depth - 4) / 6;
  const k = wrn.widenFactor;
  const ch = [16, 16 * k, 32 * k, 64 * k] as const;
  return (store: ParamStore, options: BuildOptions): Network => {
    const conv1 = new Conv2d(store, 'conv1', 3, ch[0], { kernel: 3, padding: 1, init: 'fanOut' });
    const stages = [group(store, 'block1', n, ch[0], ch[1], 1)];
    if (wrn.subBlock1) group(store, 'sub_block1', n, ch[0], ch[1], 1);
    stages.push(group(store, 'block2', n, ch[1], ch[2], 2), group(store, 'block3', n, ch[2], ch[3], 2));
    const bn1 = new BatchNorm2d(store, 'bn1', ch[3]);
    const fc = new Linear(store, 'fc', ch[3], options.numClasses, 'torchZeroBias');
    return {
      forward(x, ctx): NetworkOutput {
        const features: Record<string, tf.Tensor> = {};
        let h = conv1.forward(x);
        features['stem'] = h;
        stages.forEach((blocks, s) => {
          for (const block of blocks) h = block.forward(h, ctx);
          features[`stage${s + 1}`] = h;
        });
        const embedding = globalAvgPool(bn1.forward(h, ctx, 'relu'));
        features['embedding'] = embedding;
        return { logits: fc.forward(embedding), features };
      },
    };
  };
}
