/**
 * @dkl/backend-native: a TensorFlow.js backend ('dkl-native') that keeps the
 * cpu backend's storage and kernels and runs convolutions, matmuls, pooling,
 * batch-norm and the hot elementwise ops on oneDNN / OpenMP via a Node-API addon.
 *
 * @packageDocumentation
 */
export {
  NATIVE_BACKEND_NAME,
  type NativeBackendInfo,
  nativeKernelNames,
  registerNativeBackend,
  setNativeThreads,
} from './register.js';
export { NATIVE_PRECISIONS, type NativePrecision, PRECISION_ENV, nativePrecision, setNativePrecision } from './precision.js';
export { ADDON_PATH, type AddonInfo, type Bf16CopyStats, type ConvImpls, addonMissingMessage, isAddonBuilt, loadAddon, type NativeAddon } from './addon.js';
export { NativeBackend, PLAIN, type BlockedKind, type BlockedTensor, type Layout } from './backend.js';
/** The fused batch-norm ops live in @dkl/core (models use them); re-exported for convenience. */
export {
  BN_INFER_GRAD_KERNEL,
  BN_INFER_KERNEL,
  BN_TRAIN_GRAD_KERNEL,
  BN_TRAIN_KERNEL,
  batchNormInference,
  batchNormTraining,
  type BatchNormActivation,
  type BatchNormTrainingResult,
} from '@dkl/core';
