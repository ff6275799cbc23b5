import * as tf from '@tensorflow/tfjs';
import { SGD_UPDATE_KERNEL } from '@dkl/core';

import { allFloat32, sizeOf } from './shared.js';
import type { NativeBackend } from '../backend.js';

/** The fused kernel behind @dkl/core's `sgdUpdate`: one pass instead of five tfjs ops per variable. */
export function optimizerKernels(): tf.KernelConfig[] {
  return [
    {
      kernelName: SGD_UPDATE_KERNEL,
      backendName: 'dkl-native',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const b = backend as NativeBackend;
        const { w, grad, buf } = inputs as { w: tf.TensorInfo; grad: tf.TensorInfo; buf?: tf.TensorInfo };
        if (!allFloat32(w, grad, buf)) throw new Error(`dkl-native: ${SGD_UPDATE_KERNEL} needs float32 tensors`);
        const a = attrs ?? {};
        const momentum = Number(a['momentum']);
        const n = sizeOf(w.shape);
        const wOut = b.alloc(n);
        const bufOut = momentum !== 0 ? b.alloc(n) : null;
        const hyper = Float64Array.from([
          Number(a['learningRate']), momentum, Number(a['dampening']), Number(a['weightDecay']), a['nesterov'] ? 1 : 0,
        ]);
        b.addon.sgdUpdate(b.f32(w), b.f32(grad), buf ? b.f32(buf) : null, wOut, bufOut, hyper);
        const outs = [b.output(w.shape, wOut)];
        if (bufOut) outs.push(b.output(w.shape, bufOut));
        return outs;
      },
    },
  ];
}
