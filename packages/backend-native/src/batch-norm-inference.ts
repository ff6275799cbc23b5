/**
 * Native kernels of core's `batchNormInference` op: one pass forward (with the ReLU fused when
 * asked) and one pass for the input gradient, on NHWC or blocked activations alike.
 */
import * as tf from '@tensorflow/tfjs';
import { BN_INFER_GRAD_KERNEL, BN_INFER_KERNEL } from '@dkl/core';

import type { NativeBackend } from './backend.js';
import { channelsOf, spatialSize } from './kernels/shared.js';

/** The native kernels behind `batchNormInference`, for the 'dkl-native' backend. */
export function batchNormInferenceKernels(): tf.KernelConfig[] {
  return [
    {
      kernelName: BN_INFER_KERNEL,
      backendName: 'dkl-native',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as NativeBackend;
        const { x, mean, variance, offset, scale } = inputs as Record<string, tf.TensorInfo>;
        const c = channelsOf(x!);
        const out = b.alloc(tf.util.sizeFromShape(x!.shape));
        const xIn = b.f32InLayout(x!, 'activation');
        b.addon.batchNorm(
          xIn.values, b.f32(mean!), b.f32(variance!), b.f32(offset!), b.f32(scale!), out, c, Number(attrs?.['epsilon']),
          xIn.block, spatialSize(x!), attrs?.['activation'] === 'relu',
        );
        return b.outputInLayout(x!.shape, out, { kind: 'activation', block: xIn.block });
      },
    },
    {
      kernelName: BN_INFER_GRAD_KERNEL,
      backendName: 'dkl-native',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as NativeBackend;
        const { dy, y, variance, scale } = inputs as Record<string, tf.TensorInfo | undefined>;
        const c = channelsOf(dy!);
        // dy and y share a layout: a blocked one if either is blocked (the other reordered into a temporary).
        const layout = b.leadLayout(dy!.shape, 'activation', dy, y);
        const vdy = b.valuesIn(dy!, layout);
        const vy = y ? b.valuesIn(y, layout) : null;
        const dx = b.alloc(tf.util.sizeFromShape(dy!.shape));
        b.addon.bnInferBackward(
          vdy.values, vy ? vy.values : null, b.f32(variance!), b.f32(scale!), dx, c, Number(attrs?.['epsilon']), layout.block, spatialSize(dy!),
        );
        vdy.release();
        vy?.release();
        return b.outputInLayout(dy!.shape, dx, layout);
      },
    },
  ];
}
