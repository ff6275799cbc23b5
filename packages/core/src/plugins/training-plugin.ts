import type { Tensor } from '@tensorflow/tfjs';
import type { Observable } from 'rxjs';
import type { TrainingEvent } from '../events/training-events.js';
import type { TrainingControl } from './training-control.js';

/** JSON-serialisable value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A plugin's checkpointable state: plain JSON plus named tensors. */
export interface PluginState {
  readonly json: JsonValue;
  readonly tensors?: Readonly<Record<string, Tensor>>;
}

/** What `attach` returns: undone when the run ends. */
export type Teardown = (() => void) | { unsubscribe(): void } | void;

/** Multi-binding token for training plugins (loggers, checkpointing, the class-prior updater...). */
export const TrainingPlugin = Symbol('TrainingPlugin');

/**
 * A plugin observes the training-event stream and steers the loop through the control object.
 * Observation goes through the stream; side effects that must finish before the loop continues
 * are registered with `control.waitFor`.
 */
export interface TrainingPlugin {
  /** Unique, human-readable; errors and logs use it. */
  readonly name: string;
  /** Subscribe to `events`; return what undoes the subscription. */
  attach(events: Observable<TrainingEvent>, control: TrainingControl): Teardown;
  /** Key of this plugin's state inside checkpoints; plugins without state omit it. */
  readonly stateKey?: string;
  /** Snapshot for a checkpoint. Tensors are copied by the caller; the plugin keeps ownership. */
  saveState?(): PluginState | Promise<PluginState>;
  /** Restore from a checkpoint. Tensors are owned by the caller: clone what you keep. */
  loadState?(state: PluginState): void | Promise<void>;
}

/** Undo a teardown value of any supported form. */
export function runTeardown(teardown: Teardown): void {
  if (!teardown) return;
  if (typeof teardown === 'function') teardown();
  else teardown.unsubscribe();
}
