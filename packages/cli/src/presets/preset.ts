import type { RunConfigInput } from '../config/run-config.js';

/** A named run config reproducing one published setting. */
export interface PresetEntry {
  /** e.g. `cifar100/ikl-kd/res32x4-res8x4`. */
  readonly name: string;
  /** What it reproduces, with the paper's reported number where there is one. */
  readonly description: string;
  /** The config file or script it was written from (repository path). */
  readonly source: string;
  /** Builds a fresh config object (callers may mutate it). */
  build(): RunConfigInput;
}

/** A run name derived from the preset name (`cifar100/ikl-kd/a-b` -> `cifar100-ikl-kd-a-b`). */
export const runNameOf = (preset: string): string => preset.replace(/\//g, '-');
