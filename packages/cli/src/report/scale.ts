/**
 * Axis scales for the report's SVG charts: "nice" tick values (1, 2, 5 x 10^k steps) and linear
 * maps from data to pixels. Pure functions.
 */

export interface NiceScale {
  /** Domain after rounding out to whole steps. */
  readonly min: number;
  readonly max: number;
  readonly step: number;
  readonly ticks: readonly number[];
}

/** Decimals needed to print multiples of `step` exactly (0 for steps >= 1). */
export function stepDecimals(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/**
 * Nice ticks covering [min, max] with about `target` intervals. A zero-width range is padded
 * (10% of the value, or 1); `integer` forces integer steps (epochs). Throws on non-finite bounds.
 */
export function niceScale(min: number, max: number, target = 5, integer = false): NiceScale {
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`niceScale needs finite bounds, got [${min}, ${max}]`);
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const pad = integer ? 1 : Math.abs(min) * 0.1 || 1;
    min -= pad;
    max += pad;
  }
  const raw = (max - min) / Math.max(1, target);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  let step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
  if (integer) step = Math.max(1, Math.round(step));
  const lo = Math.floor(min / step + 1e-9) * step;
  const hi = Math.ceil(max / step - 1e-9) * step;
  const decimals = stepDecimals(step);
  const ticks: number[] = [];
  for (let i = 0; lo + i * step <= hi + step * 1e-6; i++) ticks.push(Number((lo + i * step).toFixed(decimals)));
  return { min: ticks[0]!, max: ticks[ticks.length - 1]!, step, ticks };
}

/** Maps [d0, d1] linearly onto [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** A tick label: fixed decimals from the step, exponent form for very large or small values. */
export function formatTick(value: number, step: number): string {
  const abs = Math.abs(value);
  if (value !== 0 && (abs >= 1e5 || abs < 1e-3)) return value.toExponential(1).replace('e+', 'e');
  return value.toFixed(stepDecimals(step));
}

/** Min and max of the finite numbers in `values`, or undefined when there are none. */
export function finiteExtent(values: Iterable<number>): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}
