/**
 * The typed training-event vocabulary. Loops emit these in this order:
 *
 *   run-start
 *     (epoch-start (batch-start batch-end)* epoch-end (eval-start eval-end)* checkpoint-saved*)*
 *   run-end
 *
 * plus `plugin-error` whenever a subscriber throws. Numbers are resolved before emission.
 *
 * **Tensor ownership rule**: tensors inside an event (`batch-end.outputs`) are owned by the
 * emitter and valid only during the synchronous dispatch of that event; the emitter disposes them
 * right after. A subscriber that needs them later must copy them (`tf.clone` or `dataSync`).
 */
import type { Tensor } from '@tensorflow/tfjs';

export type RunStatus = 'completed' | 'stopped' | 'failed';

/** Tensors a trainer exposes at batch end. Any subset may be present. */
export interface BatchOutputs {
  /** int32 [B] hard labels. */
  readonly labels?: Tensor;
  /** [B, C] logits of the model being trained (student, or natural-image logits in AT). */
  readonly logits?: Tensor;
  /** [B, C] frozen-teacher logits (knowledge distillation). */
  readonly teacherLogits?: Tensor;
  /** [B, C] natural-image logits (adversarial training). */
  readonly naturalLogits?: Tensor;
  /** [B, C] adversarial-image logits (adversarial training). */
  readonly adversarialLogits?: Tensor;
  /**
   * [U, C] teacher-side logits on the unlabelled batch of a semi-supervised step: the weak view
   * (FixMatch) or the EMA teacher (Mean Teacher). The consistency target; no gradient.
   */
  readonly unlabelledTeacherLogits?: Tensor;
  /** [U, C] logits of the trained model on the unlabelled batch (the strong view / the student's view). */
  readonly unlabelledLogits?: Tensor;
  /** int32 [U] pseudo-labels: the argmax of `unlabelledTeacherLogits`. */
  readonly pseudoLabels?: Tensor;
}

/** The names a trainer may emit in `batch-end.outputs`: a misspelt one does not compile. */
export type BatchOutputKey = keyof BatchOutputs;

/** Every {@link BatchOutputKey}, for validating names that arrive in configs. */
export const BATCH_OUTPUT_KEYS: readonly BatchOutputKey[] = [
  'labels',
  'logits',
  'teacherLogits',
  'naturalLogits',
  'adversarialLogits',
  'unlabelledTeacherLogits',
  'unlabelledLogits',
  'pseudoLabels',
];

export interface RunStartEvent {
  readonly type: 'run-start';
  readonly runId: string;
  readonly epochs: number;
  /** 1-based epoch the loop starts at (>1 when resuming). */
  readonly startEpoch: number;
  /**
   * Set when the run continues from a snapshot: its completed epochs, steps, and `phase`
   * (`in-epoch`: the epoch continues without a new `epoch-start`; `evaluating`: epoch `epoch`'s
   * evaluation is redone before training goes on, so plugins that evaluate at `epoch-end` redo theirs).
   */
  readonly resumed?: { readonly epoch: number; readonly step: number; readonly phase: 'epoch-boundary' | 'in-epoch' | 'evaluating' };
  readonly stepsPerEpoch?: number;
  readonly backend?: string;
  readonly config?: unknown;
}

export interface EpochStartEvent {
  readonly type: 'epoch-start';
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Global optimisation steps taken before this epoch. */
  readonly step: number;
  readonly learningRate: number;
}

export interface BatchStartEvent {
  readonly type: 'batch-start';
  readonly epoch: number;
  readonly step: number;
  readonly batchIndex: number;
  readonly batchSize: number;
}

export interface BatchEndEvent {
  readonly type: 'batch-end';
  readonly epoch: number;
  /** Global step count after this batch's update. */
  readonly step: number;
  readonly batchIndex: number;
  readonly batchSize: number;
  /** Loss terms of this batch as plain numbers, e.g. `{ total, ce, ikl }`. */
  readonly losses: Readonly<Record<string, number>>;
  /** Valid during dispatch only (see the ownership rule above). */
  readonly outputs: BatchOutputs;
}

export interface EpochEndEvent {
  readonly type: 'epoch-end';
  readonly epoch: number;
  readonly step: number;
  /** Epoch means of the batch losses and any training metrics. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

export interface EvalStartEvent {
  readonly type: 'eval-start';
  readonly epoch: number;
  readonly step: number;
  readonly split: string;
}

export interface EvalEndEvent {
  readonly type: 'eval-end';
  readonly epoch: number;
  readonly step: number;
  /** Which data was evaluated, e.g. `val`, `test`, `robust`. */
  readonly split: string;
  /** e.g. `{ loss, top1, top5 }` or `{ robustTop1 }`. */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface CheckpointSavedEvent {
  readonly type: 'checkpoint-saved';
  readonly epoch: number;
  readonly step: number;
  readonly path: string;
  readonly reason: 'periodic' | 'best' | 'last' | 'requested';
}

export interface PluginErrorEvent {
  readonly type: 'plugin-error';
  readonly plugin: string;
  /** The event being dispatched when the plugin failed, if any. */
  readonly during?: TrainingEvent['type'];
  readonly error: Error;
}

export interface RunEndEvent {
  readonly type: 'run-end';
  readonly status: RunStatus;
  readonly epoch: number;
  readonly step: number;
  /** Why the run stopped early (status 'stopped'), e.g. the plugin that asked. */
  readonly reason?: string;
  /** The failure (status 'failed'). */
  readonly error?: Error;
}

export type TrainingEvent =
  | RunStartEvent
  | EpochStartEvent
  | BatchStartEvent
  | BatchEndEvent
  | EpochEndEvent
  | EvalStartEvent
  | EvalEndEvent
  | CheckpointSavedEvent
  | PluginErrorEvent
  | RunEndEvent;

export type TrainingEventType = TrainingEvent['type'];

/** The event of a given type: `EventOf<'batch-end'>` is `BatchEndEvent`. */
export type EventOf<K extends TrainingEventType> = Extract<TrainingEvent, { type: K }>;
