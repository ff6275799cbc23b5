/**
 * `tiny_cnn`: this package's own small, fast network for tests and demos (no upstream): three
 * conv3x3-BN-ReLU layers (16, 32/2, 64/2 channels), global average pooling, Linear. PyTorch
 * default init; its PyTorch twin is `TinyCNN` in tools/fixtures-models/reference_models.py.
 */
import type * as tf from '@tensorflow/tfjs';
import { ConvBn, globalAvgPool, Linear } from '../nn/layers.js';
import type { ParamStore } from '../nn/param.js';
import type { BuildOptions, Network, NetworkOutput } from './network.js';

export function buildTinyCnn() {
  return (store: ParamStore, options: BuildOptions): Network => {
    const layers = [
      new ConvBn(store, 'conv1', 'bn1', 3, 16, { kernel: 3, padding: 1, init: 'torch' }),
      new ConvBn(store, 'conv2', 'bn2', 16, 32, { kernel: 3, stride: 2, padding: 1, init: 'torch' }),
      new ConvBn(store, 'conv3', 'bn3', 32, 64, { kernel: 3, stride: 2, padding: 1, init: 'torch' }),
    ];
    const fc = new Linear(store, 'fc', 64, options.numClasses);
    return {
      forward(x, ctx): NetworkOutput {
        const features: Record<string, tf.Tensor> = {};
        let h = x;
        layers.forEach((layer, i) => {
          h = layer.forward(h, ctx, true);
          features[i === 0 ? 'stem' : `stage${i}`] = h;
        });
        const embedding = globalAvgPool(h);
        features['embedding'] = embedding;
        return { logits: fc.forward(embedding), features };
      },
    };
  };
}
