/**
 * PyTorch-semantics layers on raw tf ops (NHWC activations). Each layer declares its parameters
 * with PyTorch state-dict names through a ParamStore; forward functions are pure tf ops, so
 * callers control tidy scopes and gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { batchNormInference, batchNormTraining, ShapeError, type BatchNormActivation } from '@dkl/core';
import { kaimingNormalFanOut, ones, torchDefault, zeros, type InitSpec } from './init.js';
import type { Param, ParamStore } from './param.js';

/** Joins PyTorch module paths: `join('layer1', 0, 'conv1')` -> `layer1.0.conv1`. */
export function join(...parts: (string | number)[]): string {
  return parts.filter((p) => p !== '').join('.');
}

/** Forward-pass context. */
export interface ForwardContext {
  readonly training: boolean;
}

/**
 * Conv weight init: `torch` = PyTorch's default (kaiming_uniform a=sqrt(5)); `fanOut` =
 * kaiming_normal(fan_out, relu), the re-init of mdistiller's ResNet/WRN/VGG/MobileNetV2.
 */
export type ConvInit = 'torch' | 'fanOut';

export interface Conv2dOptions {
  readonly kernel: number;
  readonly stride?: number;
  readonly padding?: number;
  readonly groups?: number;
  readonly bias?: boolean;
  readonly init: ConvInit;
  /** Bias init when `bias`: PyTorch default uniform, or zeros (mdistiller VGG re-init). */
  readonly biasInit?: 'torch' | 'zeros';
}

type Padding = 'valid' | [[number, number], [number, number], [number, number], [number, number]];

function padding(p: number): Padding {
  return p === 0 ? 'valid' : [[0, 0], [p, p], [p, p], [0, 0]];
}

/** nn.Conv2d (square kernel, symmetric zero padding, groups). */
export class Conv2d {
  readonly weight: Param;
  readonly bias: Param | null;
  readonly stride: number;
  readonly groups: number;
  private readonly pad: Padding;
  private readonly depthwise: boolean;

  constructor(
    store: ParamStore,
    readonly name: string,
    readonly inChannels: number,
    readonly outChannels: number,
    options: Conv2dOptions,
  ) {
    const k = options.kernel;
    this.stride = options.stride ?? 1;
    this.groups = options.groups ?? 1;
    if (inChannels % this.groups !== 0 || outChannels % this.groups !== 0) {
      throw new Error(`${name}: channels ${inChannels}->${outChannels} not divisible by groups ${this.groups}`);
    }
    this.pad = padding(options.padding ?? 0);
    this.depthwise = this.groups > 1 && this.groups === inChannels && inChannels === outChannels;
    const fanIn = (inChannels / this.groups) * k * k;
    const fanOut = outChannels * k * k;
    const init: InitSpec = options.init === 'torch' ? torchDefault(fanIn) : kaimingNormalFanOut(fanOut);
    this.weight = store.declare(
      join(name, 'weight'),
      this.depthwise ? 'depthwise' : 'conv',
      [outChannels, inChannels / this.groups, k, k],
      init,
    );
    this.bias = options.bias
      ? store.declare(join(name, 'bias'), 'vector', [outChannels], options.biasInit === 'zeros' ? zeros : torchDefault(fanIn))
      : null;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const w = this.weight.value as tf.Tensor4D;
    let y: tf.Tensor4D;
    if (this.groups === 1) {
      y = tf.conv2d(x, w, this.stride, this.pad);
    } else if (this.depthwise) {
      y = tf.depthwiseConv2d(x, w, this.stride, this.pad) as tf.Tensor4D;
    } else {
      // Grouped convolution: group g sees input channels [g*in/G, (g+1)*in/G) and produces output
      // channels [g*out/G, (g+1)*out/G), as in PyTorch.
      const xs = tf.split(x, this.groups, 3);
      const ws = tf.split(w, this.groups, 3);
      y = tf.concat(
        xs.map((xi, g) => tf.conv2d(xi as tf.Tensor4D, ws[g] as tf.Tensor4D, this.stride, this.pad)),
        3,
      );
    }
    return this.bias ? (tf.add(y, this.bias.value) as tf.Tensor4D) : y;
  }
}

/** PyTorch BatchNorm2d defaults. */
export const BN_EPSILON = 1e-5;
/** PyTorch momentum convention: running = (1 - m) * running + m * batch (Keras momentum 0.9). */
export const BN_MOMENTUM = 0.1;

/**
 * nn.BatchNorm2d: training mode normalises with the biased batch variance and updates the running
 * statistics with the unbiased one (as PyTorch does); eval mode uses the running statistics.
 */
export class BatchNorm2d {
  readonly weight: Param;
  readonly bias: Param;
  readonly runningMean: Param;
  readonly runningVar: Param;

  constructor(
    store: ParamStore,
    readonly name: string,
    readonly channels: number,
    readonly momentum = BN_MOMENTUM,
    readonly epsilon = BN_EPSILON,
  ) {
    this.weight = store.declare(join(name, 'weight'), 'vector', [channels], ones);
    this.bias = store.declare(join(name, 'bias'), 'vector', [channels], zeros);
    this.runningMean = store.declare(join(name, 'running_mean'), 'vector', [channels], zeros, false);
    this.runningVar = store.declare(join(name, 'running_var'), 'vector', [channels], ones, false);
  }

  /** `activation` 'relu' gives relu(bn(x)), fused into the batch-norm pass where the backend can. */
  forward(x: tf.Tensor4D, ctx: ForwardContext, activation: BatchNormActivation = 'linear'): tf.Tensor4D {
    const gamma = this.weight.value;
    const beta = this.bias.value;
    if (!ctx.training) {
      // One pass forward and one for the input gradient (attacks) where the backend fuses it.
      return batchNormInference(x, this.runningMean.value, this.runningVar.value, beta, gamma, this.epsilon, activation) as tf.Tensor4D;
    }
    const [n, h, w] = x.shape;
    const count = n * h * w;
    if (count < 2) {
      throw new ShapeError(`input of ${this.name}`, 'more than 1 value per channel in training mode', x.shape);
    }
    // One fused pass forward and backward on backends that implement the op (dkl-native);
    // elsewhere tf.moments + the fused tf.batchNorm, whose chained gradient is the exact
    // batch-norm gradient (checked in test/layers.test.ts).
    const { y, mean, variance } = batchNormTraining(x, gamma, beta, this.epsilon, activation);
    this.updateRunning(mean, variance, count);
    return y as tf.Tensor4D;
  }

  private updateRunning(mean: tf.Tensor, variance: tf.Tensor, count: number): void {
    const m = this.momentum;
    tf.tidy(() => {
      const batchMean = mean;
      const unbiased = tf.mul(variance, count / (count - 1));
      this.runningMean.value.assign(tf.add(tf.mul(this.runningMean.value, 1 - m), tf.mul(batchMean, m)));
      this.runningVar.value.assign(tf.add(tf.mul(this.runningVar.value, 1 - m), tf.mul(unbiased, m)));
    });
  }
}

/** Linear-layer init: PyTorch default, or mdistiller's re-inits (default weight + zero bias; N(0, 0.01) + zero bias). */
export type LinearInit = 'torch' | 'torchZeroBias' | 'normal001';

/** nn.Linear with bias. */
export class Linear {
  readonly weight: Param;
  readonly bias: Param;

  constructor(
    store: ParamStore,
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    init: LinearInit = 'torch',
  ) {
    const weightInit: InitSpec = init === 'normal001' ? { kind: 'normal', std: 0.01 } : torchDefault(inFeatures);
    const biasInit: InitSpec = init === 'torch' ? torchDefault(inFeatures) : zeros;
    this.weight = store.declare(join(name, 'weight'), 'linear', [outFeatures, inFeatures], weightInit);
    this.bias = store.declare(join(name, 'bias'), 'vector', [outFeatures], biasInit);
  }

  forward(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.weight.value as tf.Tensor2D), this.bias.value) as tf.Tensor2D;
  }
}

/** Conv -> BN (-> ReLU) helper used by most architectures. */
export class ConvBn {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  constructor(
    store: ParamStore,
    convName: string,
    bnName: string,
    inChannels: number,
    outChannels: number,
    options: Conv2dOptions,
  ) {
    this.conv = new Conv2d(store, convName, inChannels, outChannels, options);
    this.bn = new BatchNorm2d(store, bnName, outChannels);
  }

  forward(x: tf.Tensor4D, ctx: ForwardContext, relu: boolean): tf.Tensor4D {
    return this.bn.forward(this.conv.forward(x), ctx, relu ? 'relu' : 'linear');
  }
}

/** Global average pooling to [B, C]: equals the references' fixed-size pools at their native input size. */
export function globalAvgPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}

/** nn.MaxPool2d(kernel, stride, padding) (padding never wins the max, as in PyTorch). */
export function maxPool2d(x: tf.Tensor4D, kernel: number, stride: number, pad = 0): tf.Tensor4D {
  return tf.maxPool(x, kernel, stride, pad === 0 ? 'valid' : pad);
}

/** nn.AvgPool2d(kernel, stride, padding) with PyTorch's default count_include_pad=True. */
export function avgPool2d(x: tf.Tensor4D, kernel: number, stride: number, pad = 0): tf.Tensor4D {
  const padded = pad === 0 ? x : tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
  return tf.avgPool(padded, kernel, stride, 'valid');
}

/** ShuffleNet channel shuffle in NHWC, identical to PyTorch's NCHW reshape-permute-reshape. */
export function channelShuffle(x: tf.Tensor4D, groups: number): tf.Tensor4D {
  if (groups === 1) return x;
  const [n, h, w, c] = x.shape;
  const grouped = tf.reshape(x, [n, h, w, groups, c / groups]);
  return tf.reshape(tf.transpose(grouped, [0, 1, 2, 4, 3]), [n, h, w, c]);
}
