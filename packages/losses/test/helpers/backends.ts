import { availableBackends, initBackend, type BackendName } from '@dkl/core';

/**
 * The backends the float64-reference suites run on: every one that loads here among cpu and
 * dkl-native. wasm is left out, and says so: its reductions accumulate in float32 (XNNPACK), so a
 * 64 x 1000 label-smoothed cross-entropy differs from float64 by ~6e-5 relative, beyond this
 * suite's tolerance model (roundoff of the terms, double accumulation); a summation-aware
 * tolerance for it is still to be written. Its OneHot defect, which this suite found, is fixed and
 * checked in @dkl/core (test/cpu-fallback-kernels.test.ts).
 */
export const BACKENDS: readonly BackendName[] = await availableBackends(['cpu', 'dkl-native']);
console.info(`[@dkl/losses] float64-reference suites run on: ${BACKENDS.join(', ')} (not wasm: float32 accumulation, see helpers/backends.ts)`);

export async function useBackend(name: BackendName): Promise<void> {
  await initBackend({ prefer: name, log: false });
}
