import { ArgumentError } from '@dkl/core';

/**
 * Mean Teacher's sigmoid-shaped ramp-up (Laine & Aila 2017, Tarvainen & Valpola 2017):
 * `exp(-5 (1 - t)^2)` with `t = clip(progress / length, 0, 1)`, rising from exp(-5) to 1 over
 * `length` epochs. `progress` is the fractional epoch (0 at the start of training); length 0
 * means no ramp-up.
 */
export function sigmoidRampUp(progress: number, length: number): number {
  if (!(length >= 0)) throw new ArgumentError('rampUpEpochs', `must be >= 0, got ${length}`);
  if (length === 0) return 1;
  const t = Math.min(Math.max(progress / length, 0), 1);
  return Math.exp(-5 * (1 - t) * (1 - t));
}
