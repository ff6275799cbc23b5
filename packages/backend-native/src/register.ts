import { createRequire } from 'node:module';

import * as tf from '@tensorflow/tfjs';

import { loadAddon } from './addon.js';
import { batchNormInferenceKernels } from './batch-norm-inference.js';
import { batchNormTrainingKernels } from './batch-norm-training.js';
import { NativeBackend } from './backend.js';
import { convKernels } from './kernels/conv.js';
import { copyKernels } from './kernels/copy-ops.js';
import { elementwiseKernels, reluGradConfig } from './kernels/elementwise.js';
import { matMulKernels } from './kernels/matmul.js';
import { optimizerKernels } from './kernels/optim.js';
import { poolKernels } from './kernels/pool.js';
import { selectKernels } from './kernels/select.js';
import { type NativePrecision, applyPrecisionEnv, nativePrecision } from './precision.js';

/** The tfjs backend name this package registers. */
export const NATIVE_BACKEND_NAME = 'dkl-native';

/** What {@link registerNativeBackend} reports. */
export interface NativeBackendInfo {
  name: 'dkl-native';
  /** Version of @dkl/backend-native. */
  version: string;
  /** OpenMP threads oneDNN and the elementwise kernels use. */
  threads: number;
  /** Version of the oneDNN library the addon is linked against. */
  onednnVersion: string;
  /** The precision convolutions and matmuls run in now (see {@link setNativePrecision}). */
  precision: NativePrecision;
  /** oneDNN's effective CPU ISA, e.g. 'AVX512_CORE_BF16'. */
  isa: string;
}

/** The kernels this backend runs natively (others are the cpu backend's). */
export function nativeKernelConfigs(): tf.KernelConfig[] {
  return [...convKernels(), ...matMulKernels(), ...poolKernels(), ...elementwiseKernels(), ...copyKernels(), ...selectKernels(), ...batchNormTrainingKernels(), ...batchNormInferenceKernels(), ...optimizerKernels()];
}

/** Names of the kernels overridden with native implementations. */
export function nativeKernelNames(): string[] {
  return nativeKernelConfigs().map((k) => k.kernelName);
}

function packageVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('../package.json') as { version: string }).version;
}

let kernelsRegistered = false;
let precisionEnvApplied = false;

function registerKernels(): void {
  if (kernelsRegistered) return;
  // Every cpu kernel runs unchanged on this backend since it shares the cpu data storage.
  for (const config of tf.getKernelsForBackend('cpu')) {
    if (!tf.getKernel(config.kernelName, NATIVE_BACKEND_NAME)) {
      tf.registerKernel({ ...config, backendName: NATIVE_BACKEND_NAME });
    }
  }
  for (const config of nativeKernelConfigs()) {
    if (tf.getKernel(config.kernelName, NATIVE_BACKEND_NAME)) tf.unregisterKernel(config.kernelName, NATIVE_BACKEND_NAME);
    tf.registerKernel(config);
  }
  tf.registerGradient(reluGradConfig);
  kernelsRegistered = true;
}

/**
 * Registers the 'dkl-native' tfjs backend (idempotent) and reports its
 * configuration. The first call applies `DKL_NATIVE_PRECISION` (fp32 | bf16)
 * when it is set. It does not make it the active backend: call
 * `await tf.setBackend('dkl-native')`. Registered with priority 0, so tfjs never
 * picks it implicitly.
 *
 * @throws Error when the addon binary is absent ("the dkl-native addon is not
 * built: install libdnnl-dev and run npm run build:native -w @dkl/backend-native")
 * or fails to load; ConfigError when DKL_NATIVE_PRECISION is not fp32 or bf16.
 */
export async function registerNativeBackend(): Promise<NativeBackendInfo> {
  const addon = loadAddon();
  if (!tf.findBackendFactory(NATIVE_BACKEND_NAME)) {
    tf.registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(addon), 0);
  }
  registerKernels();
  if (!precisionEnvApplied) {
    applyPrecisionEnv(addon);
    precisionEnvApplied = true;
  }
  const info = addon.info();
  return {
    name: NATIVE_BACKEND_NAME,
    version: packageVersion(),
    threads: info.threads,
    onednnVersion: info.onednnVersion,
    precision: nativePrecision(),
    isa: info.isa,
  };
}

/**
 * Sets the number of OpenMP threads the addon uses (default: all cores, or
 * OMP_NUM_THREADS). Returns the count now in effect.
 */
export function setNativeThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`setNativeThreads: argument 'threads' must be a positive integer, got ${threads}`);
  }
  return loadAddon().setThreads(threads);
}
