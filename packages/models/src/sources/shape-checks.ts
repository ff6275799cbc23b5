/** Checks a bring-your-own model's declared input / output shapes against the run's data. */
import { ConfigError, ShapeError } from '@dkl/core';

/** `[a, b, c]` with `?` for unknown dims. */
export function formatShape(shape: readonly (number | string | null | undefined)[]): string {
  return `[${shape.map((d) => (typeof d === 'number' && d >= 0 ? String(d) : d === null || d === undefined || d === -1 ? '?' : String(d))).join(', ')}]`;
}

/**
 * Compares dims `found` with `expected` where both are known (numbers >= 0); throws a
 * ConfigError naming the model, what it is, and both shapes.
 */
export function checkDims(
  found: readonly (number | string | null | undefined)[],
  expected: readonly (number | null)[],
  what: { keyPath: string; model: string; label: string; hint?: string },
): void {
  const mismatch =
    found.length !== expected.length ||
    expected.some((e, i) => {
      const f = found[i];
      return e !== null && typeof f === 'number' && f >= 0 && f !== e;
    });
  if (mismatch) {
    throw new ConfigError(what.keyPath, `model ${what.model}: ${what.label} expected ${formatShape(expected)}, found ${formatShape(found)}${what.hint ? ` (${what.hint})` : ''}`);
  }
}

/** Throws a ShapeError unless `x` is an NHWC batch of `inputShape` images (what `forward` takes). */
export function assertNhwcBatch(x: { readonly rank: number; readonly shape: readonly number[] }, inputShape: readonly [number, number, number], model: string): void {
  const [h, w, c] = inputShape;
  if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) throw new ShapeError('x', `NHWC [batch, ${h}, ${w}, ${c}] for model ${model}`, x.shape);
}

/** Throws a ConfigError (at `keyPath`) unless the model has exactly one input: dkl feeds one image batch. */
export function requireOneInput(inputNames: readonly string[], keyPath: string, model: string): void {
  if (inputNames.length !== 1) throw new ConfigError(keyPath, `model ${model} has ${inputNames.length} inputs (${inputNames.join(', ')}); dkl feeds one NHWC image batch`);
}
