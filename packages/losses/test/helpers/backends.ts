import { suiteBackends, useSuiteBackend } from '@dkl/core';

/**
 * The backends the float64-reference suites run on: cpu and dkl-native where they load. wasm is
 * left out, and says so: its reductions accumulate in float32 (XNNPACK), so a 64 x 1000
 * label-smoothed cross-entropy differs from float64 by ~6e-5 relative, beyond this suite's
 * tolerance model (roundoff of the terms, double accumulation); a summation-aware tolerance for
 * it is still to be written. Its OneHot defect, which this suite found, is fixed and checked in
 * @dkl/core (test/cpu-fallback-kernels.test.ts).
 */
export const BACKENDS = await suiteBackends('@dkl/losses float64-reference suites', {
  excluded: { wasm: 'float32 accumulation, see test/helpers/backends.ts' },
});

export const useBackend = useSuiteBackend;
