import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ofType, type ClassifierModel, type PluginState, type TrainingControl, type TrainingEvent, type TrainingPlugin } from '@dkl/core';
import type { Observable } from 'rxjs';

export interface WeightAveragingOptions {
  /** Distinguishes several instances in one run (their state keys): `weight-averaging:<id>`. */
  readonly id?: string;
  /** Role of the model to average in `control.models` (default `model`, or `student`). */
  readonly role?: string;
  /** `epoch`: update once per epoch end (the IKL-AT scripts' post-hoc swa.py, decay 0.9). `step`: every batch. */
  readonly every: 'epoch' | 'step';
  /** shadow <- decay * shadow + (1 - decay) * weights. */
  readonly decay: number;
  /** First epoch that contributes (earlier epochs are skipped; the first contribution initialises). */
  readonly startEpoch?: number;
}

/**
 * Exponential moving average of every model variable, BatchNorm statistics included, as the
 * authors' weight averaging does. `copyTo(model)` writes the average into a model for evaluation.
 */
export class WeightAveraging implements TrainingPlugin {
  readonly name = 'weight-averaging';
  readonly stateKey: string;
  private shadow: tf.Variable[] | undefined;

  constructor(readonly options: WeightAveragingOptions) {
    this.stateKey = options.id ? `weight-averaging:${options.id}` : 'weight-averaging';
    if (!(options.decay >= 0 && options.decay < 1)) throw new ArgumentError('decay', `must be in [0, 1), got ${options.decay}`);
  }

  private variablesOf(model: ClassifierModel): tf.Variable[] {
    return [...model.trainableVariables, ...model.nonTrainableVariables];
  }

  private update(model: ClassifierModel): void {
    const vars = this.variablesOf(model);
    if (!this.shadow) {
      this.shadow = vars.map((v) => tf.variable(v.clone(), false));
      return;
    }
    const d = this.options.decay;
    tf.tidy(() => this.shadow!.forEach((s, i) => s.assign(s.mul(d).add(vars[i]!.mul(1 - d)))));
  }

  attach(events: Observable<TrainingEvent>, control: TrainingControl) {
    const role = this.options.role ?? (control.models['student'] ? 'student' : 'model');
    const model = control.models[role];
    if (!model) throw new ArgumentError('role', `no model '${role}' in this run (has: ${Object.keys(control.models).join(', ')})`);
    const trigger = this.options.every === 'epoch' ? 'epoch-end' : 'batch-end';
    return events.pipe(ofType(trigger)).subscribe((event) => {
      if (event.epoch >= (this.options.startEpoch ?? 1)) this.update(model);
    });
  }

  /** Writes the averaged weights into `model` (same architecture). */
  copyTo(model: ClassifierModel): void {
    if (!this.shadow) throw new ArgumentError('model', 'no average yet: the averaging has not started');
    const vars = this.variablesOf(model);
    if (vars.length !== this.shadow.length) throw new ArgumentError('model', `has ${vars.length} variables, the average ${this.shadow.length}`);
    vars.forEach((v, i) => v.assign(this.shadow![i]!));
  }

  saveState(): PluginState {
    const tensors: Record<string, tf.Tensor> = {};
    this.shadow?.forEach((s, i) => (tensors[String(i)] = s));
    return { json: { count: this.shadow?.length ?? 0 }, tensors };
  }

  loadState(state: PluginState): void {
    this.dispose();
    const count = (state.json as { count: number }).count;
    if (count > 0) this.shadow = Array.from({ length: count }, (_, i) => tf.variable(state.tensors![String(i)]!.clone(), false));
  }

  dispose(): void {
    this.shadow?.forEach((s) => s.dispose());
    this.shadow = undefined;
  }
}
