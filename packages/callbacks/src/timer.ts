import type { PluginState, TrainingEvent, TrainingPlugin } from '@dkl/core';
import type { Observable } from 'rxjs';

/** Wall-clock accounting: time per epoch, per evaluation and for the whole run. */
export class Timer implements TrainingPlugin {
  readonly name = 'timer';
  readonly stateKey = 'timer';
  /** Milliseconds of training per completed epoch. */
  readonly epochMs: number[] = [];
  evalMs = 0;
  totalMs = 0;
  private runStarted = 0;
  private evalStarted = 0;

  attach(events: Observable<TrainingEvent>) {
    return events.subscribe((event) => {
      const now = performance.now();
      if (event.type === 'run-start') this.runStarted = now;
      else if (event.type === 'epoch-end') this.epochMs.push(event.durationMs);
      else if (event.type === 'eval-start') this.evalStarted = now;
      else if (event.type === 'eval-end') this.evalMs += now - this.evalStarted;
      else if (event.type === 'run-end') this.totalMs += now - this.runStarted;
    });
  }

  saveState(): PluginState {
    return { json: { epochMs: this.epochMs, evalMs: this.evalMs, totalMs: this.totalMs + (performance.now() - this.runStarted) } };
  }

  loadState(state: PluginState): void {
    const json = state.json as { epochMs: number[]; evalMs: number; totalMs: number };
    this.epochMs.splice(0, this.epochMs.length, ...json.epochMs);
    this.evalMs = json.evalMs;
    this.totalMs = json.totalMs;
  }
}

/** Records the learning rate of every epoch (from `epoch-start`). */
export class LearningRateMonitor implements TrainingPlugin {
  readonly name = 'lr-monitor';
  readonly history: Array<{ epoch: number; learningRate: number }> = [];

  attach(events: Observable<TrainingEvent>) {
    return events.subscribe((event) => {
      if (event.type === 'epoch-start') this.history.push({ epoch: event.epoch, learningRate: event.learningRate });
    });
  }
}
