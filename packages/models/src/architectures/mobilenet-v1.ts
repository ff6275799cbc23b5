/**
 * MobileNetV1 as in mdistiller's ImageNet `mobilenetv1.py` (the ResNet50 -> MobileNetV1 student):
 * `model.0` = conv3x3/2 + BN + ReLU, `model.1..13` = depthwise 3x3 + BN + ReLU + pointwise 1x1 +
 * BN + ReLU, average pool, `fc`. No re-init: PyTorch default init throughout.
 */
import * as tf from '@tensorflow/tfjs';
import { PREACT_PREFIX } from '@dkl/core';
import { ConvBn, globalAvgPool, join, Linear, type ForwardContext } from '../nn/layers.js';
import type { ParamStore } from '../nn/param.js';
import type { BuildOptions, Network, NetworkOutput } from './network.js';

const DW_CFG: readonly (readonly [number, number, number])[] = [
  [32, 64, 1], [64, 128, 2], [128, 128, 1], [128, 256, 2], [256, 256, 1], [256, 512, 2],
  [512, 512, 1], [512, 512, 1], [512, 512, 1], [512, 512, 1], [512, 512, 1], [512, 1024, 2], [1024, 1024, 1],
];

class DepthwiseSeparable {
  private readonly dw: ConvBn;
  private readonly pw: ConvBn;
  constructor(store: ParamStore, name: string, inp: number, oup: number, stride: number) {
    this.dw = new ConvBn(store, join(name, 0), join(name, 1), inp, inp, { kernel: 3, stride, padding: 1, groups: inp, init: 'torch' });
    this.pw = new ConvBn(store, join(name, 3), join(name, 4), inp, oup, { kernel: 1, init: 'torch' });
  }
  forward(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return this.pw.forward(this.dw.forward(x, ctx, true), ctx, true);
  }
  /** The output and its pre-activation (the pointwise BatchNorm's output, mdistiller's `preact_feats`). */
  forwardWithPreact(x: tf.Tensor4D, ctx: ForwardContext): [tf.Tensor4D, tf.Tensor4D] {
    const preact = this.pw.forward(this.dw.forward(x, ctx, true), ctx, false);
    return [tf.relu(preact) as tf.Tensor4D, preact];
  }
}

export function buildMobileNetV1() {
  return (store: ParamStore, options: BuildOptions): Network => {
    const stem = new ConvBn(store, 'model.0.0', 'model.0.1', 3, 32, { kernel: 3, stride: 2, padding: 1, init: 'torch' });
    const layers = DW_CFG.map(([i, o, s], k) => new DepthwiseSeparable(store, join('model', k + 1), i, o, s));
    const fc = new Linear(store, 'fc', 1024, options.numClasses);
    // Upstream feature taps: after model[3], model[5], model[11], model[13].
    const taps: Record<number, string> = { 3: 'stage1', 5: 'stage2', 11: 'stage3', 13: 'stage4' };
    return {
      // get_bn_before_relu: each tapped block's pointwise BatchNorm (`model.3.4`, ...).
      preactNorms: Object.fromEntries(Object.entries(taps).map(([k, tap]) => [`${PREACT_PREFIX}${tap}`, join('model', k, 4)])),
      forward(x, ctx): NetworkOutput {
        const features: Record<string, tf.Tensor> = {};
        // No `stem` tap: mdistiller's MobileNetV1 lists only the four tapped blocks in `feats`, so
        // `feats[1:]` (AT, NST, VID, KDSVD, ...) starts at the second, as there.
        let h = stem.forward(x, ctx, true);
        layers.forEach((layer, k) => {
          const tap = taps[k + 1];
          if (!tap) {
            h = layer.forward(h, ctx);
            return;
          }
          let preact: tf.Tensor4D;
          [h, preact] = layer.forwardWithPreact(h, ctx);
          features[tap] = h;
          features[`${PREACT_PREFIX}${tap}`] = preact;
        });
        const embedding = globalAvgPool(h);
        features['embedding'] = embedding;
        return { logits: fc.forward(embedding), features };
      },
    };
  };
}
