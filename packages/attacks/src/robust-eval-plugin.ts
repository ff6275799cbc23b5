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
import type { AttackDefinition } from './attack-definition.js';
import { builtinAttacks } from './builtin-attacks.js';
import { asForward, type ForwardFn } from './forward.js';
import { predict } from './gradient.js';
import type { Norm } from './project.js';

/**
 * The attack the plugin runs: a registered attack's `name` (`pgd`, `cw`, `apgd-ce`, `autoattack`,
 * or one a package binds), the threat model, and the attack's own options (`steps`, `restarts`,
 * `apgdSteps`...), checked by its schema.
 */
export interface RobustEvalAttack {
  readonly name: string;
  readonly eps: number;
  /** Default `'linf'`. */
  readonly norm?: Norm;
  readonly seed?: number | string;
  readonly [option: string]: unknown;
}

/** Held-out examples: tensors (the plugin does not dispose them) or a core BatchLoader. */
export type RobustEvalData = { readonly x: tf.Tensor; readonly y: tf.Tensor } | BatchLoader;

/** One evaluation. Accuracies are fractions in [0, 1]. */
export interface RobustEvalResult {
  readonly epoch: number;
  readonly step: number;
  readonly split: string;
  readonly attack: string;
  readonly examples: number;
  readonly cleanAccuracy: number;
  readonly robustAccuracy: number;
  readonly durationMs: number;
}

export interface RobustEvalOptions {
  readonly attack: RobustEvalAttack;
  /** Attacks to look `attack.name` up in (default: this package's; the CLI passes every registered one). */
  readonly attacks?: readonly AttackDefinition<any>[];
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
  private readonly attack: { readonly definition: AttackDefinition<any>; readonly options: unknown; readonly norm: Norm };

  constructor(readonly options: RobustEvalOptions) {
    this.stateKey = options.split && options.split !== 'robust' ? `robust-eval:${options.split}` : 'robust-eval';
    if (!(options.attack.eps >= 0)) throw new ArgumentError('attack.eps', `must be >= 0, got ${options.attack.eps}`);
    this.attack = resolveAttack(options.attack, options.attacks ?? builtinAttacks);
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
    const { definition, options, norm } = this.attack;
    const labels = y.dataSync();
    const clean = predict(forward, x).filter((p, i) => p === labels[i]).length;
    // An example counts as robust only when it is also classified correctly without attack.
    const flags = await definition.robustFlags(forward, x, y, options, { eps: this.options.attack.eps, norm, seed: `${String(this.options.attack.seed ?? 0)}/${seedSuffix}` });
    return { clean, robust: flags.filter(Boolean).length };
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

/** Looks the attack up by name, checks its norm and parses its own options (errors name `attack.<key>`). */
export function resolveAttack(attack: RobustEvalAttack, attacks: readonly AttackDefinition<any>[]): { definition: AttackDefinition<any>; options: unknown; norm: Norm } {
  const { name, eps: _eps, norm = 'linf', seed: _seed, ...own } = attack;
  const definition = attacks.find((a) => a.name === name);
  if (!definition) throw new ArgumentError('attack.name', `unknown attack '${name}' (known: ${attacks.map((a) => a.name).join(', ')})`);
  if (!definition.norms.includes(norm)) throw new ArgumentError('attack.norm', `'${name}' is implemented for ${definition.norms.join(', ')} only, got '${norm}'`);
  const parsed = definition.schema.safeParse(own);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ArgumentError(['attack', ...issue.path.map(String)].join('.'), issue.message);
  }
  return { definition, options: parsed.data, norm };
}
