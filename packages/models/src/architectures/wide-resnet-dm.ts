/**
 * The WideResNet of DeepMind's adversarial-robustness model zoo (Gowal et al. 2020, Rebuffi et al.
 * 2021), as the generated-data adversarial-training code uses it (Wang et al. 2023's
 * `wideresnetwithswish`, which the IKL-AT runs build on): pre-activation blocks with BatchNorm
 * momentum 0.01, TensorFlow-style SAME padding for the strided 3x3 convolution (one extra row and
 * column at the bottom / right only), a 1x1 projection of the activated input when the width
 * changes, Swish (SiLU) or ReLU, and the dataset's mean / std normalisation inside the model.
 * Layer names follow that code (`init_conv`, `layer.<g>.block.<i>.batchnorm_0`, ..., `logits`), so
 * its checkpoints load as they are. Depth 6n+4, widths [16, 16k, 32k, 64k].
 */
import * as tf from '@tensorflow/tfjs';
import { BatchNorm2d, Conv2d, globalAvgPool, join, Linear, type ForwardContext } from '../nn/layers.js';
import type { ParamStore } from '../nn/param.js';
import type { BuildOptions, Network, NetworkOutput } from './network.js';
import { wrnDepthError } from './wide-resnet.js';

/** The block activation: `swish` is x * sigmoid(x) (PyTorch's SiLU). */
export type DmActivation = 'swish' | 'relu';

/** Per-channel input statistics the model normalises with; `none` feeds images unchanged. */
export const DM_NORMALIZATIONS = {
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.2471, 0.2435, 0.2616] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  svhn: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
  none: null,
} as const;

export type DmNormalization = keyof typeof DM_NORMALIZATIONS;

export interface DmWrnOptions {
  readonly depth: number;
  readonly width: number;
  readonly activation: DmActivation;
  /** Default: `cifar100` for 100 classes, else `cifar10` (as the reference picks by dataset). */
  readonly normalization?: DmNormalization;
}

/** BatchNorm momentum of the reference (PyTorch convention). */
const DM_BN_MOMENTUM = 0.01;

function activate(bn: BatchNorm2d, x: tf.Tensor4D, ctx: ForwardContext, activation: DmActivation): tf.Tensor4D {
  if (activation === 'relu') return bn.forward(x, ctx, 'relu');
  const y = bn.forward(x, ctx);
  return tf.mul(y, tf.sigmoid(y)) as tf.Tensor4D;
}

class DmBlock {
  private readonly bn0: BatchNorm2d;
  private readonly conv0: Conv2d;
  private readonly bn1: BatchNorm2d;
  private readonly conv1: Conv2d;
  private readonly shortcut: Conv2d | null;

  constructor(
    store: ParamStore,
    name: string,
    inPlanes: number,
    outPlanes: number,
    private readonly stride: number,
    private readonly activation: DmActivation,
  ) {
    this.bn0 = new BatchNorm2d(store, join(name, 'batchnorm_0'), inPlanes, DM_BN_MOMENTUM);
    // Stride 1: SAME is symmetric, so the convolution pads; stride 2: padded by hand in forward.
    this.conv0 = new Conv2d(store, join(name, 'conv_0'), inPlanes, outPlanes, { kernel: 3, stride, padding: stride === 1 ? 1 : 0, init: 'fanOut' });
    this.bn1 = new BatchNorm2d(store, join(name, 'batchnorm_1'), outPlanes, DM_BN_MOMENTUM);
    this.conv1 = new Conv2d(store, join(name, 'conv_1'), outPlanes, outPlanes, { kernel: 3, padding: 1, init: 'fanOut' });
    this.shortcut =
      inPlanes === outPlanes ? null : new Conv2d(store, join(name, 'shortcut'), inPlanes, outPlanes, { kernel: 1, stride, init: 'fanOut' });
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const a = activate(this.bn0, x, ctx, this.activation);
    const padded = this.stride === 1 ? a : (tf.pad(a, [[0, 0], [0, 1], [0, 1], [0, 0]]) as tf.Tensor4D);
    const out = this.conv1.forward(activate(this.bn1, this.conv0.forward(padded), ctx, this.activation));
    // Projection blocks project the activated input; identity blocks add the raw input.
    return tf.add(this.shortcut ? this.shortcut.forward(a) : x, out) as tf.Tensor4D;
  }
}

export function buildDmWideResNet(o: DmWrnOptions) {
  const error = wrnDepthError(o.depth);
  if (error) throw new Error(error);
  const n = (o.depth - 4) / 6;
  const ch = [16, 16 * o.width, 32 * o.width, 64 * o.width] as const;
  return (store: ParamStore, options: BuildOptions): Network => {
    const stats = DM_NORMALIZATIONS[o.normalization ?? (options.numClasses === 100 ? 'cifar100' : 'cifar10')];
    const initConv = new Conv2d(store, 'init_conv', options.inputShape[2], ch[0], { kernel: 3, padding: 1, init: 'fanOut' });
    const groups = [0, 1, 2].map((g) =>
      Array.from({ length: n }, (_, i) => {
        const inPlanes = i === 0 ? ch[g]! : ch[g + 1]!;
        const stride = i === 0 && g > 0 ? 2 : 1;
        return new DmBlock(store, join('layer', g, 'block', i), inPlanes, ch[g + 1]!, stride, o.activation);
      }),
    );
    const batchnorm = new BatchNorm2d(store, 'batchnorm', ch[3], DM_BN_MOMENTUM);
    const logits = new Linear(store, 'logits', ch[3], options.numClasses, 'torchZeroBias');
    return {
      forward(x, ctx): NetworkOutput {
        const features: Record<string, tf.Tensor> = {};
        const normalised = stats ? (tf.div(tf.sub(x, tf.tensor1d([...stats.mean])), tf.tensor1d([...stats.std])) as tf.Tensor4D) : x;
        let h = initConv.forward(normalised);
        features['stem'] = h;
        groups.forEach((blocks, g) => {
          for (const block of blocks) h = block.forward(h, ctx);
          features[`stage${g + 1}`] = h;
        });
        const embedding = globalAvgPool(activate(batchnorm, h, ctx, o.activation));
        features['embedding'] = embedding;
        return { logits: logits.forward(embedding), features };
      },
    };
  };
}
