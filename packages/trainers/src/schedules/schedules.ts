/**
 * Learning-rate schedules as pure functions of the 1-based epoch, as the authors' trainers set
 * the rate once per epoch.
 */
import { ArgumentError } from '@dkl/core';

export type LearningRateSchedule = (epoch: number) => number;

export const constantSchedule = (base: number): LearningRateSchedule => () => base;

/**
 * mdistiller's step decay: `base * gamma^(number of milestones strictly below epoch)`, so with
 * milestones [150, 180, 210] epoch 151 is the first at 0.1x.
 */
export function multiStepSchedule(base: number, milestones: readonly number[], gamma = 0.1): LearningRateSchedule {
  return (epoch) => base * gamma ** milestones.filter((m) => epoch > m).length;
}

/**
 * Cosine annealing over `epochs`. `pytorch`: PyTorch's CosineAnnealingLR stepped per epoch
 * (epoch 1 gets `base`). `dkl-at`: the IKL-AT scripts' `base * 0.5 * (1 + cos(pi * e / (E + 1)))`.
 */
export function cosineSchedule(base: number, epochs: number, options: { minLr?: number; variant?: 'pytorch' | 'dkl-at' } = {}): LearningRateSchedule {
  if (!(epochs > 0)) throw new ArgumentError('epochs', `must be > 0, got ${epochs}`);
  const min = options.minLr ?? 0;
  return options.variant === 'dkl-at'
    ? (epoch) => min + (base - min) * 0.5 * (1 + Math.cos((Math.PI * epoch) / (epochs + 1)))
    : (epoch) => min + (base - min) * 0.5 * (1 + Math.cos((Math.PI * (epoch - 1)) / epochs));
}

/** Linear warm-up: epochs 1..warmup ramp from `base(e) * e / warmup` up to the wrapped schedule. */
export function linearWarmup(schedule: LearningRateSchedule, warmupEpochs: number): LearningRateSchedule {
  if (warmupEpochs <= 0) return schedule;
  return (epoch) => (epoch <= warmupEpochs ? (schedule(epoch) * epoch) / warmupEpochs : schedule(epoch));
}
