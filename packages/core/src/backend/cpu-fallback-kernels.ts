/**
 * Makes a backend complete by borrowing the pure-JS cpu kernels it lacks (e.g. wasm has no
 * depthwise-convolution gradients, so MobileNet/ShuffleNet could not train on it). Inputs are
 * copied to the cpu backend, the cpu kernel runs, outputs are copied back: correct and slow, so
 * only kernels without a native implementation are borrowed.
 */
import * as tf from '@tensorflow/tfjs';

const UNSUPPORTED_DTYPES = new Set(['string', 'complex64']);

function borrow(kernel: tf.KernelConfig): tf.KernelFunc {
  return ({ inputs, backend: target, attrs }) => {
    const backend = target as tf.KernelBackend;
    const cpu = tf.engine().findBackend('cpu');
    if (!cpu) throw new Error(`cpu backend unavailable to run borrowed kernel ${kernel.kernelName}`);
    const cpuInputs: tf.NamedTensorInfoMap = {};
    const written: tf.DataId[] = [];
    try {
      for (const [name, info] of Object.entries(inputs)) {
        if (!info) continue;
        if (UNSUPPORTED_DTYPES.has(info.dtype)) throw new Error(`borrowed kernel ${kernel.kernelName}: dtype ${info.dtype} unsupported`);
        const values = backend.readSync(info.dataId) as tf.backend_util.BackendValues;
        const dataId = cpu.write(values, info.shape, info.dtype);
        written.push(dataId);
        cpuInputs[name] = { dataId, shape: info.shape, dtype: info.dtype };
      }
      const out = kernel.kernelFunc({ inputs: cpuInputs, backend: cpu, attrs });
      const outs = Array.isArray(out) ? out : [out];
      const results = outs.map((o) => {
        const values = cpu.readSync(o.dataId) as tf.backend_util.BackendValues;
        const dataId = backend.write(values, o.shape, o.dtype);
        cpu.disposeData(o.dataId);
        return { dataId, shape: o.shape, dtype: o.dtype };
      });
      return Array.isArray(out) ? results : results[0]!;
    } finally {
      for (const dataId of written) cpu.disposeData(dataId);
    }
  };
}

/**
 * Kernels of the stock wasm backend (4.22) that give wrong results, replaced by the cpu ones:
 * `OneHot` ignores `onValue` / `offValue` for a float32 output (all zeros), which made every
 * label-smoothed or float one-hot target, and so cross-entropy, wrong on wasm. Found by running
 * the float64 reference suites of @dkl/losses on every backend.
 */
export const WASM_KERNELS_REPLACED: readonly string[] = ['OneHot'];

/**
 * Registers, for `backendName`, every cpu kernel it does not have, and the cpu version of each
 * kernel named in `replace` (its own is wrong). Returns their names. Must run after the backend's
 * own kernels are registered (i.e. after its package is imported).
 */
export function registerCpuFallbackKernels(backendName: string, replace: readonly string[] = []): string[] {
  const own = new Set(tf.getKernelsForBackend(backendName).map((k) => k.kernelName));
  const added: string[] = [];
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    if (own.has(kernel.kernelName) && !replace.includes(kernel.kernelName)) continue;
    if (own.has(kernel.kernelName)) tf.unregisterKernel(kernel.kernelName, backendName);
    tf.registerKernel({ kernelName: kernel.kernelName, backendName, kernelFunc: borrow(kernel) });
    added.push(kernel.kernelName);
  }
  return added.sort();
}
