import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ofType, type ClassPriorStore, type PluginState, type TrainingPlugin } from '@dkl/core';
import type { Observable } from 'rxjs';
import type { TrainingEvent } from '@dkl/core';

/** The `batch-end` outputs a class prior can be accumulated from. */
export type ClassPriorSource = 'teacherLogits' | 'naturalLogits' | 'logits' | 'unlabelledTeacherLogits';

/** The labels that group a source's rows: the ground truth, or pseudo-labels for unlabelled rows. */
export function classPriorLabels(source: ClassPriorSource): 'labels' | 'pseudoLabels' {
  return source === 'unlabelledTeacherLogits' ? 'pseudoLabels' : 'labels';
}

export interface ClassPriorUpdaterOptions {
  readonly numClasses: number;
  /**
   * Which `batch-end` output to accumulate: `teacherLogits` (KD, with T2) or `naturalLogits`
   * (adversarial training, with the prior temperature T), or `unlabelledTeacherLogits`
   * (semi-supervised: the weak view or EMA teacher on the unlabelled batch, grouped by its
   * `pseudoLabels`). Default: whichever of the first two is present.
   */
  readonly source?: ClassPriorSource;
  /** Softmax temperature (the authors' T2 in KD, T in AT). */
  readonly temperature?: number;
  /** Mix with the previous prior: new = m * epoch estimate + (1 - m) * old (the authors' `--m`, default 1). */
  readonly momentum?: number;
}

/**
 * IKL's class-wise global information: accumulates `onehot(labels)^T @ softmax(logits / T)` over
 * an epoch, row-normalises at epoch end (row c = mean prediction over class-c samples), mixes
 * with the previous prior and publishes it to the ClassPriorStore that IKL/GKL losses read.
 * Before the first epoch ends the store serves a uniform 1/C prior. A class without samples in
 * an epoch keeps its previous row (the authors' code divides 0 by 0 there and gets NaN).
 */
export class ClassPriorUpdater implements TrainingPlugin {
  readonly name = 'class-prior';
  readonly stateKey = 'class-prior';
  private sum: tf.Tensor2D | undefined;
  private epochsDone = 0;

  constructor(
    private readonly store: ClassPriorStore,
    readonly options: ClassPriorUpdaterOptions,
  ) {
    if (!Number.isInteger(options.numClasses) || options.numClasses < 1) throw new ArgumentError('numClasses', `must be a positive integer, got ${options.numClasses}`);
    if ((options.temperature ?? 1) <= 0) throw new ArgumentError('temperature', `must be > 0, got ${options.temperature}`);
    const m = options.momentum ?? 1;
    if (!(m > 0 && m <= 1)) throw new ArgumentError('momentum', `must be in (0, 1], got ${m}`);
  }

  attach(events: Observable<TrainingEvent>) {
    const C = this.options.numClasses;
    const T = this.options.temperature ?? 1;
    const detach = this.store.attachWriter(this.name);
    const subscription = events.pipe(ofType('epoch-start', 'batch-end', 'epoch-end', 'run-end')).subscribe((event) => {
      if (event.type === 'epoch-start') {
        this.sum?.dispose();
        this.sum = tf.keep(tf.zeros([C, C]) as tf.Tensor2D);
      } else if (event.type === 'batch-end') {
        const source = this.options.source ?? (event.outputs.teacherLogits ? 'teacherLogits' : 'naturalLogits');
        const labelKey = classPriorLabels(source);
        const logits = event.outputs[source];
        const labels = event.outputs[labelKey];
        // A prior computed from nothing would silently stay uniform: a missing source is an error.
        if (!logits || !labels) {
          const present = Object.keys(event.outputs).join(', ');
          throw new ArgumentError('source', `'${this.options.source ?? 'teacherLogits or naturalLogits'}' and '${labelKey}' must be in the trainer's batch outputs, which hold: ${present}`);
        }
        if (!this.sum) return;
        if (logits.shape[1] !== C) throw new ArgumentError('numClasses', `is ${C} but the emitted logits have ${logits.shape[1]} classes`);
        const next = tf.tidy(() => {
          const probs = tf.softmax(logits.div(T) as tf.Tensor2D);
          // Row c += the probabilities of the examples of class c. A segment sum, not onehot^T x
          // probs: a matMul would run in bf16 on dkl-native's bf16 mode, and the prior feeds the loss.
          return this.sum!.add(tf.unsortedSegmentSum(probs, labels.cast('int32') as tf.Tensor1D, C)) as tf.Tensor2D;
        });
        this.sum.dispose();
        this.sum = tf.keep(next);
      } else if (event.type === 'epoch-end') {
        if (this.sum) this.publish(this.sum);
      } else {
        this.sum?.dispose();
        this.sum = undefined;
      }
    });
    subscription.add(detach);
    return subscription;
  }

  private publish(sum: tf.Tensor2D): void {
    const C = this.options.numClasses;
    const m = this.options.momentum ?? 1;
    const prior = tf.tidy(() => {
      const counts = sum.sum(1, true);
      const hasSamples = counts.greater(0);
      const previous = this.store.getOrUniform(C);
      const estimate = tf.where(tf.tile(hasSamples, [1, C]), sum.div(tf.maximum(counts, 1e-12)), previous);
      return (m === 1 ? estimate : estimate.mul(m).add(previous.mul(1 - m))) as tf.Tensor2D;
    });
    this.store.set(prior);
    prior.dispose();
    this.epochsDone++;
  }

  /** The published prior, and the running sum of the epoch in progress (a mid-epoch snapshot resumes it). */
  saveState(): PluginState {
    const prior = this.store.get();
    return { json: { epochsDone: this.epochsDone }, tensors: { ...(prior ? { prior } : {}), ...(this.sum ? { sum: this.sum } : {}) } };
  }

  loadState(state: PluginState): void {
    this.epochsDone = (state.json as { epochsDone?: number }).epochsDone ?? 0;
    const prior = state.tensors?.['prior'];
    if (prior) this.store.set(prior as tf.Tensor2D);
    else this.store.clear();
    this.sum?.dispose();
    const sum = state.tensors?.['sum'];
    this.sum = sum ? tf.keep(sum.clone() as tf.Tensor2D) : undefined;
  }
}
