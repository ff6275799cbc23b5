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
        // Filters arrive blocked from the backward-weights pass; the update runs in that layout
        // (reordering the others into temporaries) and leaves w and buf in it for the next forward.
        const layout = b.leadLayout(w.shape, undefined, grad, w, buf);
        const ins = [w, grad, ...(buf ? [buf] : [])].map((t) => b.valuesIn(t, layout));
        const n = sizeOf(w.shape);
        const wOut = b.alloc(n);
        const bufOut = momentum !== 0 ? b.alloc(n) : null;
        const hyper = Float64Array.from([
          Number(a['learningRate']), momentum, Number(a['dampening']), Number(a['weightDecay']), a['nesterov'] ? 1 : 0,
        ]);
        b.addon.sgdUpdate(ins[0]!.values, ins[1]!.values, ins[2]?.values ?? null, wOut, bufOut, hyper);
        for (const v of ins) v.release();
        const outs = [b.outputInLayout(w.shape, wOut, layout)];
        if (bufOut) outs.push(b.outputInLayout(w.shape, bufOut, layout));
        return outs;
      },
    },
  ];
}
