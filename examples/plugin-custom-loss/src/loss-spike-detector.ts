import { ofType, type TrainingControl, type TrainingEvent, type TrainingPlugin } from '@dkl/core';
import type { Observable } from 'rxjs';

/** Stops a run when a batch loss exceeds `factor` times the running mean (a diverging run). */
export class LossSpikeDetector implements TrainingPlugin {
  readonly name = 'loss-spike-detector';
  readonly spikes: Array<{ step: number; loss: number; mean: number }> = [];
  private mean: number | undefined;

  constructor(readonly options: { factor: number; stop: boolean }) {}

  attach(events: Observable<TrainingEvent>, control: TrainingControl) {
    return events.pipe(ofType('batch-end')).subscribe((event) => {
      const loss = event.losses['total'] ?? NaN;
      if (this.mean !== undefined && loss > this.options.factor * this.mean) {
        this.spikes.push({ step: event.step, loss, mean: this.mean });
        if (this.options.stop) control.requestStop(`loss spike at step ${event.step}: ${loss.toFixed(3)} > ${this.options.factor} x ${this.mean.toFixed(3)}`);
      }
      this.mean = this.mean === undefined ? loss : 0.9 * this.mean + 0.1 * loss;
    });
  }
}
