/**
 * Native kernels of core's `batchNormTraining` op (@dkl/core defines the op, its gradient and the
 * portable fallback; this backend makes forward and backward one fused pass each).
 */
import * as tf from '@tensorflow/tfjs';
import { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL } from '@dkl/core';

import type { NativeBackend } from './backend.js';

export { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL };

function channelsOf(x: tf.TensorInfo): number {
  return x.shape[x.shape.length - 1] ?? 1;
}

/** The native kernels behind {@link batchNormTraining}, for the 'dkl-native' backend. */
export function batchNormTrainingKernels(): tf.KernelConfig[] {
  return [
    {
      kernelName: BN_TRAIN_KERNEL,
      backendName: 'dkl-native',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as NativeBackend;
        const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
        const c = channelsOf(x);
        const y = b.alloc(tf.util.sizeFromShape(x.shape));
        const mean = new Float32Array(c), variance = new Float32Array(c);
        b.addon.bnTrainForward(b.f32(x), b.f32(gamma), b.f32(beta), y, mean, variance, c, Number(attrs?.['epsilon']));
        return [b.output(x.shape, y), b.output([c], mean), b.output([c], variance)];
      },
    },
    {
      kernelName: BN_TRAIN_GRAD_KERNEL,
      backendName: 'dkl-native',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as NativeBackend;
        const { dy, x, gamma, mean, variance } = inputs as Record<string, tf.TensorInfo>;
        const c = channelsOf(x!);
        const dx = b.alloc(tf.util.sizeFromShape(x!.shape));
        const dgamma = new Float32Array(c), dbeta = new Float32Array(c);
        b.addon.bnTrainBackward(
          b.f32(dy!), b.f32(x!), b.f32(gamma!), b.f32(mean!), b.f32(variance!), dx, dgamma, dbeta, c, Number(attrs?.['epsilon']),
        );
        return [b.output(x!.shape, dx), b.output([c], dgamma), b.output([c], dbeta)];
      },
    },
  ];
}
