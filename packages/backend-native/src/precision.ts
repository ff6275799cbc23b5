import { ArgumentError, ConfigError } from '@dkl/core/errors';

import { type NativeAddon, loadAddon } from './addon.js';

/** The precisions dkl-native computes convolutions and matmuls in. */
export const NATIVE_PRECISIONS = ['fp32', 'bf16'] as const;

/**
 * `fp32`: everything in float32. `bf16`: convolutions (forward, backward-data,
 * backward-weights) and matmuls round their operands to bfloat16 and accumulate
 * in float32; their outputs, every other op, batch-norm statistics, the loss
 * and the optimizer's master weights stay float32.
 */
export type NativePrecision = (typeof NATIVE_PRECISIONS)[number];

/** The environment variable {@link registerNativeBackend} reads the initial precision from. */
export const PRECISION_ENV = 'DKL_NATIVE_PRECISION';

let current: NativePrecision = 'fp32';
let fallbackReported = false;

/** The precision native kernels run in now. */
export function nativePrecision(): NativePrecision {
  return current;
}

/** The addon's precision code for the current precision (0 = fp32, 1 = bf16). */
export function precisionCode(): number {
  return current === 'bf16' ? 1 : 0;
}

function isPrecision(value: unknown): value is NativePrecision {
  return (NATIVE_PRECISIONS as readonly unknown[]).includes(value);
}

/**
 * Sets the precision of dkl-native's convolutions and matmuls and returns the
 * one in effect. `bf16` needs a CPU on which oneDNN computes bf16 natively
 * (AVX512_BF16 or AMX, after any `ONEDNN_MAX_CPU_ISA` cap); elsewhere it prints
 * one line saying so (once per process) and stays `fp32`, since emulated bf16
 * is slower than fp32.
 *
 * @throws ArgumentError when `precision` is not 'fp32' or 'bf16'.
 */
export function setNativePrecision(precision: NativePrecision, addon: NativeAddon = loadAddon()): NativePrecision {
  if (!isPrecision(precision)) {
    throw new ArgumentError('precision', `must be one of ${NATIVE_PRECISIONS.join(', ')}, got ${JSON.stringify(precision)}`);
  }
  if (precision === 'bf16') {
    const info = addon.info();
    if (!info.bf16) {
      if (!fallbackReported) {
        process.stderr.write(`[dkl-native] precision bf16 requested, but oneDNN's CPU ISA here is ${info.isa} (no AVX512_BF16): running fp32\n`);
        fallbackReported = true;
      }
      current = 'fp32';
      return current;
    }
  }
  current = precision;
  return current;
}

/**
 * Applies `DKL_NATIVE_PRECISION` when it is set.
 *
 * @throws ConfigError naming DKL_NATIVE_PRECISION when its value is not a precision.
 */
export function applyPrecisionEnv(addon: NativeAddon, env: Readonly<Record<string, string | undefined>> = process.env): void {
  const raw = env[PRECISION_ENV]?.trim().toLowerCase();
  if (!raw) return;
  if (!isPrecision(raw)) throw new ConfigError(PRECISION_ENV, `must be one of ${NATIVE_PRECISIONS.join(', ')}, got '${env[PRECISION_ENV]}'`);
  setNativePrecision(raw, addon);
}
