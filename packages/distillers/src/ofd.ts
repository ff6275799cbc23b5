/** OFD (Heo et al. 2019, overhaul of feature distillation), as mdistiller's `distillers/OFD.py`. */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, PREACT_PREFIX, requireFeature, SeededRng, type LossDefinition } from '@dkl/core';
import { z } from 'zod';
import { TrainingBatchNorm } from './common/batch-norm.js';
import { FEATURE_REQUIREMENTS, featureTerm, weightFields } from './common/feature-term.js';
import { adaptiveAvgPool2d } from './common/tensor-ops.js';

/** Standard normal CDF (scipy's `norm.cdf`, which the reference calls), from erfc. */
function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** erfc to double precision: Taylor series for |x| < 2.5, Laplace's continued fraction beyond. */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + 2/(x + ...)))))
  let fraction = 0;
  for (let k = 60; k >= 1; k--) fraction = k / 2 / (x + fraction);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + fraction);
}

/**
 * OFD's per-channel margins from the teacher BatchNorm before a ReLU (gamma as the std, beta as
 * the mean of its Gaussian output): the expectation of the negative part,
 * `m - s phi(m/s) / Phi(-m/s)`, where that tail holds more than 0.1 %; `-3 s` otherwise.
 */
export function ofdMargins(gamma: ArrayLike<number>, beta: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: gamma.length }, (_, c) => {
    const s = Math.abs(gamma[c]!);
    const m = beta[c]!;
    const tail = normalCdf(-m / s);
    return tail > 0.001 ? (-s * Math.exp(-((m / s) ** 2) / 2)) / Math.sqrt(2 * Math.PI) / tail + m : -3 * s;
  });
}

/**
 * OFD's partial L2 `feat_loss` between the connected student map and the teacher's
 * pre-activation: the student is pulled to the margin where the teacher is below it, to the
 * teacher where the teacher is positive or between margin and 0 (and the student above it);
 * averaged over the batch, summed over positions and channels.
 */
export function ofdFeatureLoss(source: tf.Tensor4D, target: tf.Tensor4D, margin: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    // Indicator masks as step(), whose gradient is zero, as PyTorch's comparisons carry none.
    const above = (a: tf.Tensor, b: tf.Tensor) => tf.step(tf.sub(a, b));
    const tAboveMargin = above(target, margin);
    const tPositive = tf.step(target);
    const toMargin = tf.mul(tf.squaredDifference(source, margin), tf.mul(above(source, margin), tf.sub(1, tAboveMargin)));
    const toTeacher = tf.mul(tf.squaredDifference(source, target), tf.add(tf.mul(tf.mul(above(source, target), tAboveMargin), tf.sub(1, tPositive)), tPositive));
    return tf.sum(tf.mean(tf.abs(tf.add(toMargin, toTeacher)), 0)) as tf.Scalar;
  });
}

/** `ConnectorConvBN`: a k x k convolution without bias (He-normal over fan-out) and BatchNorm in training mode. */
class ConvBnConnector {
  readonly weight: tf.Variable;
  readonly bn: TrainingBatchNorm;

  constructor(
    inChannels: number,
    outChannels: number,
    readonly kernel: number,
    rng: SeededRng,
  ) {
    const std = Math.sqrt(2 / (kernel * kernel * outChannels));
    const values = rng.fillNormal(new Float32Array(kernel * kernel * inChannels * outChannels), 0, std);
    this.weight = tf.tidy(() => tf.variable(tf.tensor4d(values, [kernel, kernel, inChannels, outChannels]), true));
    this.bn = new TrainingBatchNorm(outChannels);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    // PyTorch's padding=(k - 1) // 2 on both sides.
    const pad = Math.floor((this.kernel - 1) / 2);
    return this.bn.forward(tf.conv2d(x, this.weight as tf.Tensor4D, 1, [[0, 0], [pad, pad], [pad, pad], [0, 0]]));
  }
}

const schema = z.strictObject({
  /** Connector kernel size (`OFD.CONNECTOR.KERNEL_SIZE`). */
  kernelSize: z.number().int().positive().default(1),
  ...weightFields(0.001),
});

/** Sorted `preact/stageK` tap names among `names`. */
function preactTaps(names: Iterable<string>): string[] {
  const stage = (n: string) => Number(n.slice(`${PREACT_PREFIX}stage`.length));
  return [...names].filter((n) => /^preact\/stage\d+$/.test(n)).sort((a, b) => stage(a) - stage(b));
}

/** `ofd`: overhaul of feature distillation on pre-activation stage outputs, mdistiller defaults; the teacher runs in training mode. */
export const ofdDefinition: LossDefinition<typeof schema> = {
  name: 'ofd',
  description: "overhaul of feature distillation (OFD): partial L2 with margins between connected student pre-activations and the teacher's, teacher in training mode",
  schema,
  needsReference: true,
  requirements: () => ({ ...FEATURE_REQUIREMENTS, referenceTrainingMode: true }),
  create: (options, context = {}) => {
    const where = context.keyPath ?? 'ofd';
    const shapes = context.featureShapes;
    if (!shapes?.reference) throw new ConfigError(where, "loss 'ofd' sizes its connectors from both models' pre-activation features, which the trainer did not give (use trainer.type distillation)");
    const norms = context.referencePreactNorms ?? {};
    // mdistiller pairs the last n of the student's preact_feats[1:] and the teacher's stages that have a BatchNorm before their ReLU.
    const teacherTaps = preactTaps(Object.keys(shapes.reference)).filter((t) => norms[t]);
    const studentTaps = preactTaps(Object.keys(shapes.model));
    if (teacherTaps.length === 0) throw new ConfigError(where, "loss 'ofd' needs the teacher's pre-activation stage outputs and the BatchNorm before each ReLU (mdistiller's get_bn_before_relu), which this teacher does not name; use a zoo ResNet or MobileNetV1 teacher");
    if (studentTaps.length === 0) throw new ConfigError(where, "loss 'ofd' needs the student's pre-activation stage outputs ('preact/stageK' taps), which this student does not provide; use a zoo ResNet or MobileNetV1 student");
    const n = Math.min(teacherTaps.length, studentTaps.length);
    const pairs = studentTaps.slice(-n).map((s, i) => ({ s, t: teacherTaps.slice(-n)[i]! }));
    const rng = new SeededRng(`${String(context.seed ?? 0)}/init`);
    const stages = pairs.map(({ s, t }) => {
      const channels = (shape: readonly number[]) => shape[shape.length - 1]!;
      const connector = new ConvBnConnector(channels(shapes.model[s]!), channels(shapes.reference![t]!), options.kernelSize, rng);
      const margin = tf.tidy(() => tf.keep(tf.tensor1d(ofdMargins(norms[t]!.gamma, norms[t]!.beta))));
      return { s, t, connector, margin };
    });
    const term = featureTerm({
      name: 'ofd',
      ceWeight: options.ceWeight,
      weight: options.weight,
      referenceTrainingMode: true,
      variables: { trainable: stages.flatMap((st) => [st.connector.weight, ...st.connector.bn.trainable]), state: stages.flatMap((st) => st.connector.bn.state) },
      featureLoss: (ctx) =>
        tf.addN(
          stages.map(({ s, t, connector, margin }, i) => {
            const source = connector.forward(requireFeature(ctx.features, s, 'ofd', 'model') as tf.Tensor4D);
            const teacher = requireFeature(ctx.referenceFeatures, t, 'ofd', 'reference') as tf.Tensor4D;
            const target = adaptiveAvgPool2d(teacher, source.shape[1], source.shape[2]);
            return tf.div(ofdFeatureLoss(source, target, margin), 2 ** (n - i - 1));
          }),
        ) as tf.Scalar,
    });
    return { ...term, dispose: () => (term.dispose?.(), tf.dispose(stages.map((st) => st.margin))) };
  },
};
