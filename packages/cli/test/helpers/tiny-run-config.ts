import type { RunConfigInput } from '../../src/index.js';

/** What a one-epoch tiny run varies: its name and seed, the synthetic dataset, the data splits, optimizer and schedule. */
export interface TinyRunSpec {
  readonly name: string;
  readonly seed: number;
  readonly dataset: { readonly shape: [number, number, number]; readonly numClasses: number; readonly trainSize: number; readonly testSize: number; readonly seed: number };
  readonly train: Record<string, unknown>;
  readonly eval?: Record<string, Record<string, unknown>>;
  readonly optimizer: RunConfigInput['optimizer'];
  readonly schedule: RunConfigInput['schedule'];
}

/** A run config for one supervised epoch of `tiny_cnn` on the synthetic dataset, on the cpu backend. */
export function tinyRunConfig(spec: TinyRunSpec): Record<string, unknown> {
  return {
    name: spec.name,
    seed: spec.seed,
    backend: { prefer: ['cpu'] },
    data: {
      dataset: { name: 'synthetic', options: spec.dataset },
      train: { split: 'train', ...spec.train },
      ...(spec.eval ? { eval: spec.eval } : {}),
    },
    models: { student: { name: 'tiny_cnn' } },
    trainer: { type: 'supervised', epochs: 1 },
    optimizer: spec.optimizer,
    schedule: spec.schedule,
  };
}
