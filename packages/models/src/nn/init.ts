/**
 * Weight initialisers matching PyTorch's, expressed as pure descriptions so the same architecture
 * code can count parameters (shape-only) or allocate them (drawing from a SeededRng).
 */
import type { SeededRng } from '@dkl/core';

/** How a parameter's initial values are drawn. */
export type InitSpec =
  | { readonly kind: 'zeros' }
  | { readonly kind: 'ones' }
  | { readonly kind: 'uniform'; readonly bound: number }
  | { readonly kind: 'normal'; readonly std: number };

export const zeros: InitSpec = { kind: 'zeros' };
export const ones: InitSpec = { kind: 'ones' };

/** PyTorch's default Conv2d/Linear init: kaiming_uniform(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bias uses the same bound. */
export function torchDefault(fanIn: number): InitSpec {
  return { kind: 'uniform', bound: 1 / Math.sqrt(fanIn) };
}

/** kaiming_normal(mode='fan_out', nonlinearity='relu'): N(0, 2/fan_out); also mdistiller's `normal_(0, sqrt(2/n))` with n = k*k*out. */
export function kaimingNormalFanOut(fanOut: number): InitSpec {
  return { kind: 'normal', std: Math.sqrt(2 / fanOut) };
}

export function normal(std: number): InitSpec {
  return { kind: 'normal', std };
}

/** Draws `size` values for `spec` from `rng` (consumes the stream only for random kinds). */
export function sampleInit(spec: InitSpec, size: number, rng: SeededRng): Float32Array {
  const out = new Float32Array(size);
  switch (spec.kind) {
    case 'zeros':
      return out;
    case 'ones':
      return out.fill(1);
    case 'uniform':
      return rng.fillUniform(out, -spec.bound, spec.bound);
    case 'normal':
      return rng.fillNormal(out, 0, spec.std);
  }
}
