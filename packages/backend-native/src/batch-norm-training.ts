/**
 * Native kernels of core's `batchNormTraining` op (@dkl/core defines the op, its gradient and the
 * portable fallback; this backend makes forward and backward one fused pass each).
 */
import * as tf from '@tensorflow/tfjs';
import { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL } from '@dkl/core';

import type { NativeBackend } from './backend.js';
import { channelsOf, spatialSize } from './kernels/shared.js';

export { BN_TRAIN_GRAD_KERNEL, BN_TRAIN_KERNEL };

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
        // Blocked activations (from a convolution) are normalised in their layout and stay in it.
        const xIn = b.f32InLayout(x, 'activation');
        b.addon.bnTrainForward(
          xIn.values, b.f32(gamma), b.f32(beta), y, mean, variance, c, Number(attrs?.['epsilon']), xIn.block, spatialSize(x),
          attrs?.['activation'] === 'relu',
        );
        return [b.outputInLayout(x.shape, y, { kind: 'activation', block: xIn.block }), b.output([c], mean), b.output([c], variance)];
      },
    },
    {
      kernelName: BN_TRAIN_GRAD_KERNEL,
      backendName: 'dkl-native',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as NativeBackend;
        const { dy, x, gamma, mean, variance, y } = inputs as Record<string, tf.TensorInfo>;
        const c = channelsOf(x!);
        const dx = b.alloc(tf.util.sizeFromShape(x!.shape));
        const dgamma = new Float32Array(c), dbeta = new Float32Array(c);
        // dy and x must share a layout: x's when it is blocked (an NHWC dy is reordered into a
        // temporary), else dy's, else NHWC.
        const layout = b.leadLayout(x!.shape, 'activation', x, dy);
        const block = layout.block;
        const vdy = b.valuesIn(dy!, layout), vx = b.valuesIn(x!, layout);
        // y is passed for a fused relu: its sign masks dy.
        const vy = attrs?.['activation'] === 'relu' && y ? b.valuesIn(y, layout) : null;
        b.addon.bnTrainBackward(
          vdy.values, vx.values, b.f32(gamma!), b.f32(mean!), b.f32(variance!), dx, dgamma, dbeta, c, Number(attrs?.['epsilon']),
          block, spatialSize(x!), vy ? vy.values : null,
        );
        vdy.release();
        vx.release();
        vy?.release();
        return [b.outputInLayout(x!.shape, dx, layout), b.output([c], dgamma), b.output([c], dbeta)];
      },
    },
  ];
}
