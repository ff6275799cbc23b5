import { ArgumentError, ofType, type PluginState, type TrainingControl, type TrainingEvent, type TrainingPlugin } from '@dkl/core';
import type { Observable } from 'rxjs';

export interface EarlyStoppingOptions {
  /** `eval-end` split to watch (e.g. `val`), or `train` for the epoch-end training metrics. */
  readonly split: string;
  readonly metric: string;
  readonly mode: 'min' | 'max';
  /** Epochs without improvement before stopping. */
  readonly patience: number;
  /** Smallest change that counts as an improvement. */
  readonly minDelta?: number;
}

/** Stops the run when a metric has not improved for `patience` epochs (Keras semantics). */
export class EarlyStopping implements TrainingPlugin {
  readonly name = 'early-stopping';
  readonly stateKey = 'early-stopping';
  private best: number | undefined;
  private wait = 0;

  constructor(readonly options: EarlyStoppingOptions) {
    if (!Number.isInteger(options.patience) || options.patience < 0) throw new ArgumentError('patience', `must be an integer >= 0, got ${options.patience}`);
    if ((options.minDelta ?? 0) < 0) throw new ArgumentError('minDelta', `must be >= 0, got ${options.minDelta}`);
  }

  attach(events: Observable<TrainingEvent>, control: TrainingControl) {
    return events.pipe(ofType('epoch-end', 'eval-end')).subscribe((event) => {
      const watched = event.type === 'epoch-end' ? this.options.split === 'train' : event.split === this.options.split;
      if (!watched) return;
      const value = event.metrics[this.options.metric];
      if (value === undefined) throw new ArgumentError('metric', `'${this.options.metric}' is not reported for split '${this.options.split}' (has: ${Object.keys(event.metrics).join(', ')})`);
      const delta = this.options.minDelta ?? 0;
      const improved = this.best === undefined || (this.options.mode === 'max' ? value > this.best + delta : value < this.best - delta);
      if (improved) {
        this.best = value;
        this.wait = 0;
        return;
      }
      this.wait++;
      if (this.wait > this.options.patience) {
        control.requestStop(`early stopping: ${this.options.split}.${this.options.metric} did not improve on ${this.best} for ${this.wait} epochs`);
      }
    });
  }

  saveState(): PluginState {
    return { json: { best: this.best ?? null, wait: this.wait } };
  }

  loadState(state: PluginState): void {
    const json = state.json as { best: number | null; wait: number };
    this.best = json.best ?? undefined;
    this.wait = json.wait;
  }
}
