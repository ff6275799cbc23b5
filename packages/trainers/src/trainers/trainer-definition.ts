import type { BatchOutputKey, ClassifierModel, ComponentRef, LossTerm } from '@dkl/core';
import type { z } from 'zod';
import type { TrainStep } from '../engine/step.js';
import type { TeacherLogitsProvider } from '../distillation/teacher-logits-cache.js';

/** What a trainer's step factory receives when a run is assembled. */
export interface TrainerCreationContext {
  /** The trained model (the student of a distillation run). */
  readonly model: ClassifierModel;
  /** `models.teacher`, when the run has one (frozen: never differentiated, never updated). */
  readonly teacher?: ClassifierModel;
  /**
   * The teacher's logits for a batch when they come from somewhere other than `teacher.forward`
   * (the teacher-logits cache of `models.teacher.cache`); only given to trainers that declare
   * `takesTeacherLogits`.
   */
  readonly teacherLogits?: TeacherLogitsProvider;
  /** `trainer.losses`, created. */
  readonly losses: readonly LossTerm[];
  /** Creates a further loss term a trainer option names (e.g. `trainer.attackLoss`); `keyPath` is its config key. */
  createLoss(ref: ComponentRef, keyPath: string): LossTerm;
  /**
   * A new, independent instance of the trained model's architecture (same options, its own
   * variables), for trainers that keep a second copy such as an EMA teacher.
   */
  createModelCopy?(): ClassifierModel;
}

/** A loss term named by a trainer option, with its config key (checked like `trainer.losses`). */
export interface TrainerLossRef {
  readonly ref: ComponentRef;
  readonly keyPath: string;
  /** Whether this term gets reference logits (default: the trainer's `providesReference`). */
  readonly reference?: boolean;
}

/** Multi-binding token: a trainer that config can name in `trainer.type`. */
export const TrainerDefinition = Symbol.for('@dkl/trainers/TrainerDefinition');

/**
 * A trainer contributed through a ContainerModule: a step factory for the shared
 * {@link TrainingEngine} plus what the run check needs to know before anything is built.
 * `schema` validates the trainer's own keys under `trainer` (every key besides `type`,
 * `epochs`, `losses` and `onPluginError`, which the engine owns); the CLI composes its config
 * schema and JSON Schema from the registered definitions.
 */
export interface TrainerDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly schema: S;
  /** The `batch-end` outputs every step emits (plugins' `reads` are checked against them). */
  readonly outputs: readonly BatchOutputKey[];
  /** Whether `trainer.losses` get reference logits (a teacher's, or natural logits in adversarial training). */
  readonly providesReference: boolean;
  /** Whether loss terms get both models' feature taps (feature-based distillers need them). */
  readonly providesFeatures?: boolean;
  /** Whether loss terms get each row's training-set index (`context.indices`, from `Batch.indices`). */
  readonly providesIndices?: boolean;
  /** Whether the step runs the reference model in training mode when a term asks (`LossTerm.referenceTrainingMode`). */
  readonly referenceTrainingMode?: boolean;
  /** Whether `models.teacher` is required, optional or not allowed. */
  readonly teacher: 'required' | 'optional' | 'none';
  /** Whether `trainer.losses` must name at least one term. */
  readonly requiresLosses: boolean;
  /** Whether the step takes teacher logits from `context.teacherLogits` (what `models.teacher.cache` needs). */
  readonly takesTeacherLogits?: boolean;
  /** Role of the trained model in events and `control.models` (default `model`). */
  readonly modelRole?: string;
  /** Loss terms named by the trainer's own options, checked like `trainer.losses`. */
  lossRefs?(options: z.output<S>): readonly TrainerLossRef[];
  /**
   * Extra batch streams the step reads besides the train split (`StepContext.streams`), e.g.
   * `unlabelled/weak`. A stream `<source>/<view>` is built by the CLI from `data.<source>`'s view
   * `<view>` (`data.unlabelled.views.weak`); a run without them is refused naming the key.
   */
  streams?(options: z.output<S>): readonly string[];
  createStep(options: z.output<S>, context: TrainerCreationContext): TrainStep;
}

/** Keeps the option types of a trainer definition literal. */
export function defineTrainer<S extends z.ZodType>(definition: TrainerDefinition<S>): TrainerDefinition<S> {
  return definition;
}
