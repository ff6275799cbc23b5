/**
 * Inference-mode batch normalisation (running statistics), optionally followed by ReLU, as one op
 * that backends may accelerate. Attacks and adversarial training differentiate through it with
 * respect to the input at every PGD step: the gradient here is `dy * scale / sqrt(var + eps)`
 * (masked by ReLU's), one elementwise pass, where tfjs' own `batchNorm` gradient tiles the
 * statistics to the input's shape and runs several full-size ops.
 */
import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ShapeError } from '../errors.js';
import type { BatchNormActivation } from './batch-norm-training.js';

/** Kernel: y from x, mean, variance, offset, scale; attrs epsilon and activation. */
export const BN_INFER_KERNEL = 'DklBatchNormInfer';
/** Kernel for the input gradient: dx from dy, y (relu only), variance, scale; same attrs. */
export const BN_INFER_GRAD_KERNEL = 'DklBatchNormInferGrad';

const channelAxes = (x: tf.Tensor) => Array.from({ length: x.rank - 1 }, (_, i) => i);

/** Registers the op's gradient once (tfjs keeps gradients in a global, name-keyed registry). */
function ensureGradient(): void {
  if (tf.getGradient(BN_INFER_KERNEL)) return;
  tf.registerGradient({
    kernelName: BN_INFER_KERNEL,
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    outputsToSave: [true],
    gradFunc: (dys, saved, attrs) => {
      const dy = Array.isArray(dys) ? dys[0]! : dys;
      const [x, mean, variance, scale, y] = saved as tf.Tensor[];
      const a = attrs as unknown as { epsilon: number; activation: BatchNormActivation };
      const relu = a.activation === 'relu';
      // ReLU's gradient on the output, then the affine map's: only the thunks asked for run.
      const masked = () => (relu ? tf.mul(dy, tf.step(y!)) : dy);
      const inv = () => tf.rsqrt(tf.add(variance!, a.epsilon));
      const centredSum = () => tf.sum(tf.mul(masked(), tf.sub(x!, mean!)), channelAxes(x!));
      return {
        x: () =>
          tf.getKernel(BN_INFER_GRAD_KERNEL, tf.getBackend())
            ? (tf.engine().runKernel(BN_INFER_GRAD_KERNEL, relu ? { dy, y: y!, variance: variance!, scale: scale! } : { dy, variance: variance!, scale: scale! }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor)
            : tf.mul(masked(), tf.mul(scale!, inv())),
        mean: () => tf.neg(tf.mul(tf.sum(masked(), channelAxes(x!)), tf.mul(scale!, inv()))),
        variance: () => tf.mul(centredSum(), tf.mul(scale!, tf.mul(tf.pow(inv(), 3), -0.5))),
        offset: () => tf.sum(masked(), channelAxes(x!)),
        scale: () => tf.mul(centredSum(), inv()),
      };
    },
  });
}

/**
 * `activation((x - mean) / sqrt(variance + epsilon) * scale + offset)` over the last axis (NHWC)
 * with given (running) statistics; every parameter is `[C]`. Differentiable with respect to all
 * inputs. Uses the fused kernels when the active backend has them, else `tf.batchNorm`
 * (+ `tf.relu`).
 */
export function batchNormInference(
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  offset: tf.Tensor,
  scale: tf.Tensor,
  epsilon = 1e-5,
  activation: BatchNormActivation = 'linear',
): tf.Tensor {
  if (x.rank < 2) throw new ShapeError('x', 'rank >= 2, channels last', x.shape);
  const c = x.shape[x.shape.length - 1]!;
  for (const [name, t] of [['mean', mean], ['variance', variance], ['offset', offset], ['scale', scale]] as const) {
    if (t.rank !== 1 || t.size !== c) throw new ShapeError(name, `[${c}] (the channels of x)`, t.shape);
  }
  if (activation !== 'linear' && activation !== 'relu') {
    throw new ArgumentError('activation', `must be 'linear' or 'relu', got '${String(activation)}'`);
  }
  if (x.dtype === 'float32' && tf.getKernel(BN_INFER_KERNEL, tf.getBackend())) {
    ensureGradient();
    return tf.engine().runKernel(BN_INFER_KERNEL, { x, mean, variance, offset, scale }, { epsilon, activation }) as tf.Tensor;
  }
  const y = tf.batchNorm(x, mean as tf.Tensor1D, variance as tf.Tensor1D, offset as tf.Tensor1D, scale as tf.Tensor1D, epsilon);
  return activation === 'relu' ? tf.relu(y) : y;
}
