import type * as tf from '@tensorflow/tfjs';
import { PREACT_PREFIX } from '@dkl/core';
import { globalAvgPool, type ForwardContext, type Linear } from '../nn/layers.js';
import type { NetworkOutput } from './network.js';

/** A residual block: its output and its pre-activation (the sum before the last ReLU: mdistiller's `preact`). */
export interface ResidualBlock {
  forward(x: tf.Tensor4D, ctx: ForwardContext): [tf.Tensor4D, tf.Tensor4D];
}

/**
 * The shared tail of the ResNets: runs `stages` of residual blocks on the stem output `h`, then
 * global average pooling and `fc`. Adds to `features` each stage's output (`stageK`), the
 * pre-activation of its last block (`preact/stageK`) and the pooled `embedding`.
 */
export function forwardResidualStages(h: tf.Tensor4D, stages: readonly (readonly ResidualBlock[])[], fc: Linear, ctx: ForwardContext, features: Record<string, tf.Tensor>): NetworkOutput {
  stages.forEach((blocks, s) => {
    let preact = h;
    for (const block of blocks) [h, preact] = block.forward(h, ctx);
    features[`stage${s + 1}`] = h;
    features[`${PREACT_PREFIX}stage${s + 1}`] = preact;
  });
  const embedding = globalAvgPool(h);
  features['embedding'] = embedding;
  return { logits: fc.forward(embedding), features };
}
