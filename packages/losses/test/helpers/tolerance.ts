import { expect } from 'vitest';
import type { Matrix, RefResult } from './reference.js';

/** float32 unit roundoff. */
export const U32 = 2 ** -24;
/** Relative tolerance against the float64 reference (the bar). */
export const RTOL = 1e-5;
/** Units of float32 roundoff of the conditioning scale that we allow on top of RTOL. */
export const K_ROUNDOFF = 8;
/** Below the float32 normal range (1.2e-38) results are subnormal; differences this small are noise. */
export const SUBNORMAL_FLOOR = 1e-30;

/**
 * Tolerance used for every float32-vs-float64 comparison:
 *   |actual - ref| <= RTOL * |ref| + K_ROUNDOFF * U32 * scale + SUBNORMAL_FLOOR
 * where `scale` is the reference's conditioning scale (the size of the terms that float32 has to
 * add or subtract to form the result, see RefResult). Pure relative 1e-5 is impossible in float32
 * whenever the result is a small difference of large terms (a KL of two near-equal distributions,
 * a probability near 1 subtracted from another, the gradient entry of a confident class); the
 * second term is the roundoff of those terms and nothing looser. Measured worst case on the test
 * grid: 2.8 units for gradients, 0.34 for values.
 */
export function expectMatchesReference(actual: { value: number; grads: Matrix[] }, ref: RefResult, label: string): void {
  const valueTol = RTOL * Math.abs(ref.value) + K_ROUNDOFF * U32 * ref.valueScale + SUBNORMAL_FLOOR;
  if (!(Math.abs(actual.value - ref.value) <= valueTol)) {
    expect.fail(`${label}: value ${actual.value} vs reference ${ref.value} (tolerance ${valueTol})`);
  }
  ref.grads.forEach((expected, i) => {
    const got = actual.grads[i]!;
    expected.forEach((row, b) =>
      row.forEach((v, j) => {
        const tol = RTOL * Math.abs(v) + K_ROUNDOFF * U32 * ref.gradScales[i]![b]![j]! + SUBNORMAL_FLOOR;
        const g = got[b]![j]!;
        if (!(Math.abs(g - v) <= tol)) expect.fail(`${label}: grad[${i}][${b}][${j}] ${g} vs reference ${v} (tolerance ${tol})`);
      }),
    );
  });
}
