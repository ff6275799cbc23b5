import * as tf from '@tensorflow/tfjs';
import {
  ArgumentError,
  ofType,
  PluginError,
  type BatchLoader,
  type PluginState,
  type TrainingControl,
  type TrainingEvent,
  type TrainingPlugin,
} from '@dkl/core';
import type { Observable } from 'rxjs';
import { autoAttack } from './auto-attack.js';
import { asForward, type ForwardFn } from './forward.js';
import { predict } from './gradient.js';
import type { Norm } from './project.js';
import { fgsm, pgd } from './pgd.js';
import { runSuiteAttack, type AutoAttackName, type SuiteBudget } from './suite.js';

/** Attacks the robust-evaluation plugin can run. */
export const ROBUST_EVAL_ATTACKS = ['fgsm', 'pgd', 'cw', 'apgd-ce', 'apgd-dlr', 'apgd-t', 'fab-t', 'square', 'autoattack'] as const;
/** Name of an attack the robust-evaluation plugin can run. */
export type RobustEvalAttackName = (typeof ROBUST_EVAL_ATTACKS)[number];

/** The attack the plugin runs. `pgd` / `cw`: PGD with CE / CW loss; `autoattack`: the standard suite. */
export interface RobustEvalAttack extends SuiteBudget {
  readonly name: RobustEvalAttackName;
  readonly eps: number;
  /** Default `'linf'`. */
  readonly norm?: Norm;
  /** PGD / CW steps (default 10). */
  readonly steps?: number;
  /** PGD / CW step size (default eps / 4). */
  readonly stepSize?: number;
  readonly restarts?: number;
  readonly seed?: number | string;
}

/** Held-out examples: tensors (the plugin does not dispose them) or a core BatchLoader. */
export type RobustEvalData = { readonly x: tf.Tensor; readonly y: tf.Tensor } | BatchLoader;

/** One evaluation. Accuracies are fractions in [0, 1]. */
export interface RobustEvalResult {
  readonly epoch: number;
  readonly step: number;
  readonly split: string;
  readonly attack: RobustEvalAttackName;
  readonly examples: number;
  readonly cleanAccuracy: number;
  readonly robustAccuracy: number;
  readonly durationMs: number;
}

export interface RobustEvalOptions {
  readonly attack: RobustEvalAttack;
  readonly data: RobustEvalData;
  /** Evaluate at these 1-based epochs... */
  readonly epochs?: readonly number[];
  /** ...and/or every N epochs (default 1 when `epochs` is not given). */
  readonly every?: number;
  /** Model role in `control.models` (default `model`, else `student`). */
  readonly role?: string;
  /** Use at most this many examples (the first ones). */
  readonly maxExamples?: number;
  /** Examples per attack call (default 128). */
  readonly batchSize?: number;
  /** Name of the reported split (default `robust`). */
  readonly split?: string;
  /** Told about each result (it is also emitted as an `eval-end` event through the control). */
  readonly onResult?: (result: RobustEvalResult) => void;
}

/**
 * Training plugin: at chosen epochs (on `epoch-end`) it attacks a held-out subset with the
 * configured attack, in inference mode, and records clean and robust accuracy in `history`
 * and through `onResult`, and reports it with `control.reportEvaluation`, which the loop emits as
 * `eval-end`. The evaluation is registered with `control.waitFor`, so the loop waits for it
 * before moving on. Checkpoints keep the history.
 */
export class RobustEvalPlugin implements TrainingPlugin {
  readonly name = 'robust-eval';
  /** `robust-eval`, or `robust-eval:<split>` for an instance reporting another split: one key per instance. */
  readonly stateKey: string;
  private readonly results: RobustEvalResult[] = [];

  constructor(readonly options: RobustEvalOptions) {
    this.stateKey = options.split && options.split !== 'robust' ? `robust-eval:${options.split}` : 'robust-eval';
    if (!(options.attack.eps >= 0)) throw new ArgumentError('attack.eps', `must be >= 0, got ${options.attack.eps}`);
    if (!(ROBUST_EVAL_ATTACKS as readonly string[]).includes(options.attack.name)) {
      throw new ArgumentError('attack.name', `unknown attack '${options.attack.name}' (known: ${ROBUST_EVAL_ATTACKS.join(', ')})`);
    }
    if (options.every !== undefined && !(Number.isInteger(options.every) && options.every >= 1)) throw new ArgumentError('every', `must be an integer >= 1, got ${options.every}`);
    if (options.maxExamples !== undefined && !(Number.isInteger(options.maxExamples) && options.maxExamples >= 1)) {
      throw new ArgumentError('maxExamples', `must be an integer >= 1, got ${options.maxExamples}`);
    }
  }

  /** Every result so far, oldest first. */
  get history(): readonly RobustEvalResult[] {
    return this.results;
  }

  /** True when `epoch` is one the plugin evaluates at. */
  isScheduled(epoch: number): boolean {
    const { epochs, every } = this.options;
    if (epochs?.includes(epoch)) return true;
    const period = every ?? (epochs ? undefined : 1);
    return period !== undefined && epoch % period === 0;
  }

  attach(events: Observable<TrainingEvent>, control: TrainingControl) {
    return events.pipe(ofType('epoch-end', 'run-start')).subscribe((event) => {
      // A run resumed from a snapshot taken before epoch e's evaluation finished redoes it.
      const epoch = event.type === 'epoch-end' ? event.epoch : event.resumed?.phase === 'evaluating' ? event.resumed.epoch : undefined;
      const step = event.type === 'epoch-end' ? event.step : (event.resumed?.step ?? 0);
      if (epoch === undefined || !this.isScheduled(epoch)) return;
      control.waitFor(this.evaluateModel(control, epoch, step), this.name);
    });
  }

  private async evaluateModel(control: TrainingControl, epoch: number, step: number): Promise<RobustEvalResult> {
    const role = this.options.role ?? ('model' in control.models ? 'model' : 'student');
    const model = control.models[role];
    if (!model) throw new PluginError(this.name, `no model with role '${role}' (have: ${Object.keys(control.models).join(', ') || 'none'})`);
    const result = await this.evaluate(asForward(model), epoch, step);
    control.reportEvaluation(result.split, { cleanTop1: result.cleanAccuracy, robustTop1: result.robustAccuracy, examples: result.examples });
    return result;
  }

  /** Runs one evaluation now with `forward`; records and reports the result. */
  async evaluate(forward: ForwardFn, epoch = 0, step = 0): Promise<RobustEvalResult> {
    const started = Date.now();
    let examples = 0;
    let clean = 0;
    let robust = 0;
    const limit = this.options.maxExamples ?? Infinity;
    const batchSize = this.options.batchSize ?? 128;
    let batchIndex = 0;
    for await (const batch of this.batches(batchSize)) {
      try {
        const take = Math.min(batch.x.shape[0]!, limit - examples);
        if (take <= 0) break;
        const x = batch.x.slice(0, take);
        const y = tf.tidy(() => batch.y.slice(0, take).toInt());
        try {
          const counts = await this.attackBatch(forward, x, y, `${epoch}/${batchIndex++}`);
          clean += counts.clean;
          robust += counts.robust;
          examples += take;
        } finally {
          tf.dispose([x, y]);
        }
      } finally {
        batch.dispose();
      }
      if (examples >= limit) break;
    }
    if (examples === 0) throw new PluginError(this.name, 'the held-out data is empty');
    const result: RobustEvalResult = {
      epoch,
      step,
      split: this.options.split ?? 'robust',
      attack: this.options.attack.name,
      examples,
      cleanAccuracy: clean / examples,
      robustAccuracy: robust / examples,
      durationMs: Date.now() - started,
    };
    this.results.push(result);
    this.options.onResult?.(result);
    return result;
  }

  private async *batches(batchSize: number): AsyncGenerator<{ x: tf.Tensor; y: tf.Tensor; dispose(): void }> {
    const data = this.options.data;
    if ('x' in data && 'y' in data) {
      const n = data.x.shape[0]!;
      for (let start = 0; start < n; start += batchSize) {
        const size = Math.min(batchSize, n - start);
        const x = data.x.slice(start, size);
        const y = data.y.slice(start, size);
        yield { x, y, dispose: () => tf.dispose([x, y]) };
      }
      return;
    }
    // A fixed epoch number gives the same examples at every evaluation.
    for await (const batch of data.batches(1)) yield { x: batch.x, y: batch.y, dispose: () => tf.dispose([batch.x, batch.y]) };
  }

  private async attackBatch(forward: ForwardFn, x: tf.Tensor, y: tf.Tensor, seedSuffix: string): Promise<{ clean: number; robust: number }> {
    const a = this.options.attack;
    const norm = a.norm ?? 'linf';
    const seed = `${String(a.seed ?? 0)}/${seedSuffix}`;
    const labels = y.dataSync();
    const cleanPred = predict(forward, x);
    const clean = cleanPred.filter((p, i) => p === labels[i]).length;
    if (a.name === 'autoattack') {
      const r = await autoAttack(forward, x, y, { ...a, norm, eps: a.eps, version: 'standard', seed, batchSize: x.shape[0]!, onWarning: () => undefined });
      return { clean, robust: r.robustFlags.filter(Boolean).length };
    }
    let adv: tf.Tensor;
    if (a.name === 'fgsm') adv = fgsm(forward, x, y, { eps: a.eps });
    else if (a.name === 'pgd' || a.name === 'cw') {
      adv = pgd(forward, x, y, { norm, eps: a.eps, stepSize: a.stepSize ?? a.eps / 4, steps: a.steps ?? 10, restarts: a.restarts ?? 1, loss: a.name === 'cw' ? 'cw' : 'ce', seed });
    } else adv = runSuiteAttack(a.name as AutoAttackName, forward, x, y, { ...a, norm, eps: a.eps, seed });
    const pred = predict(forward, adv);
    adv.dispose();
    // An example counts as robust only when it is also classified correctly without attack.
    const robust = pred.filter((p, i) => p === labels[i] && cleanPred[i] === labels[i]).length;
    return { clean, robust };
  }

  saveState(): PluginState {
    return { json: { history: this.results.map((r) => ({ ...r })) } };
  }

  loadState(state: PluginState): void {
    const json = state.json as { history?: RobustEvalResult[] } | null;
    this.results.length = 0;
    if (json?.history) this.results.push(...json.history);
  }
}
