import type { EpochRecord } from '@dkl/trainers';

/** Everything a run report shows; assembled by the CLI from a run directory. */
export interface RunReportData {
  /** Run directory name, e.g. `20261127-231500-kd-fashion`. */
  readonly name: string;
  readonly status: 'completed' | 'stopped' | 'failed' | 'running';
  /** The resolved config (JSON). */
  readonly config: unknown;
  /** One line naming the backend (`describeBackend`). */
  readonly backend: string;
  readonly startedAt: string;
  readonly wallTimeMs: number;
  /** Of `wallTimeMs`, teacher training or loading and data preparation (runs written before it was recorded lack it). */
  readonly setupMs?: number;
  /** Per-epoch history: learning rate, train metrics (`total`, loss terms, `top1`, `imagesPerSecond`), eval metrics per split. */
  readonly history: readonly EpochRecord[];
  /** IKL's class prior at the end of the run (rows = true class), if the run had one. */
  readonly classPrior?: { readonly matrix: readonly (readonly number[])[]; readonly classNames?: readonly string[] };
  /** Final metrics to headline, e.g. `{ 'test.top1': 0.91 }`. */
  readonly summary?: Readonly<Record<string, number>>;
  readonly error?: string;
}
