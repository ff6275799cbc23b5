/** The internal contract every architecture builder returns. */
import type * as tf from '@tensorflow/tfjs';
import type { ForwardContext } from '../nn/layers.js';
import type { ParamStore } from '../nn/param.js';

export interface NetworkOutput {
  readonly logits: tf.Tensor2D;
  /**
   * `stem`, `stage1`..`stageN` (post-activation stage outputs, as mdistiller's `feats`),
   * `embedding` (pre-logit) and, where the architecture has them (the ResNets),
   * `preact/stage1`..: each stage's output before its last ReLU (mdistiller's `preact_feats`).
   */
  readonly features: Record<string, tf.Tensor>;
}

/** A built architecture: parameters live in the ParamStore it was built with. */
export interface Network {
  forward(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput;
  /**
   * The BatchNorm (its parameter-name prefix, `layer1.2.bn2`) feeding each `preact/stageK` tap,
   * for the stages mdistiller's `get_bn_before_relu` lists.
   */
  readonly preactNorms?: Readonly<Record<string, string>>;
}

export interface BuildOptions {
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
}

/** Builds a network, declaring its parameters in `store`. */
export type NetworkBuilder = (store: ParamStore, options: BuildOptions) => Network;
