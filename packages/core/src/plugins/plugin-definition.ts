import type { BatchOutputKey } from '../events/training-events.js';
import type { ServiceIdentifier } from 'inversify';
import type { z } from 'zod';
import type { BatchLoader } from '../contracts/batch-loader.js';
import type { TrainingPlugin } from './training-plugin.js';

/** What a plugin factory may use when a run is being assembled. */
export interface PluginCreationContext {
  /** The run directory (checkpoints, logs and reports go below it). */
  readonly runDir: string;
  readonly numClasses: number;
  /** Resolve shared services, e.g. the ClassPriorStore. */
  resolve<T>(token: ServiceIdentifier<T>): T;
  /** Names of the run's configured evaluation splits (`data.eval` of a CLI config). */
  readonly evalSplits?: readonly string[];
  /**
   * Opens a new loader over one of {@link evalSplits}, independent of the engine's own (its
   * position is the plugin's), for plugins that evaluate held-out data themselves (e.g.
   * `robust-eval` with `data: 'test'`).
   */
  openEvalLoader?(split: string): BatchLoader;
}

/** Multi-binding token: a plugin that config can name (`checkpoint`, `class-prior`...). */
export const TrainingPluginDefinition = Symbol('TrainingPluginDefinition');

export interface TrainingPluginDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly schema: S;
  /**
   * The `batch-end` outputs a configured instance reads; an inner list means "the first of these
   * that the trainer produces". Checked against the trainer when a run is assembled.
   */
  reads?(options: z.output<S>): ReadonlyArray<BatchOutputKey | readonly BatchOutputKey[]>;
  /** True when the plugin publishes the class prior that losses with `classPrior` read. */
  readonly writesClassPrior?: boolean;
  create(options: z.output<S>, context: PluginCreationContext): TrainingPlugin;
}
