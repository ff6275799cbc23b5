import * as tf from '@tensorflow/tfjs';

type Backend = tf.KernelBackend;
type Info = tf.TensorInfo;

/**
 * Runs another backend kernel directly (not through ops), as tfjs kernels compose each other:
 * no tape recording, no engine bookkeeping. The caller disposes returned intermediates with
 * {@link releaseInfo}.
 */
export function runKernel(
  kernelName: string,
  backendName: string,
  backend: Backend,
  inputs: Record<string, Info>,
  attrs: Record<string, unknown>,
): Info {
  const kernel = tf.getKernel(kernelName, backendName);
  if (!kernel) throw new Error(`kernel ${kernelName} is not registered for backend ${backendName}`);
  const out = kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  return Array.isArray(out) ? out[0]! : out;
}

/** Frees an intermediate created by {@link runKernel}. */
export function releaseInfo(backend: Backend, info: Info): void {
  backend.disposeData(info.dataId);
}
