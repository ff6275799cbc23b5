import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import type { FeatureShapes, ModelFeatures } from './feature-taps.js';
import type { z } from 'zod';

/** Everything a loss term may read for one batch. */
export interface LossContext {
  /** int32 [B] hard labels (with mixed batches: each row's dominant class). */
  readonly labels: Tensor;
  /**
   * float32 [B, C] soft targets of a mixed batch (mixup / CutMix), absent otherwise. A hard-label
   * cross-entropy uses them in place of `labels`; a loss that needs true hard labels declares
   * `hardLabels` in its requirements and is refused for runs that mix.
   */
  readonly targets?: Tensor;
  /** [B, C] logits being trained (student, or adversarial-image logits in AT). */
  readonly logits: Tensor;
  /**
   * [B, C] reference logits: the frozen teacher's (KD) or the natural image's (AT, trainable).
   * Absent in plain supervised training.
   */
  readonly reference?: Tensor;
  /**
   * Named intermediate outputs of the trained model (`stem`, `stage1`.., `embedding`; see
   * {@link stageFeatures}), given when a loss declares `features` in its requirements.
   */
  readonly features?: ModelFeatures;
  /** The same taps of the reference model (the frozen teacher), computed without gradients. */
  readonly referenceFeatures?: ModelFeatures;
  /**
   * Training-set index of each row (the loader's `Batch.indices`), given when a loss declares
   * `exampleIndices` in its requirements (CRD's memory bank is keyed by them).
   */
  readonly indices?: Int32Array;
  /** 1-based epoch (warm-up schedules count from 1, as the authors' trainers do). */
  readonly epoch: number;
  /** Global optimisation step. */
  readonly step: number;
}

/** A loss value with the parts it sums, for logging (mdistiller's `loss_ce` / `loss_kd`). */
export interface LossTermParts {
  /** The value the trainer minimises (what `compute` returns). */
  readonly total: Scalar;
  /** The weighted hard-label cross-entropy part, if the term has one. */
  readonly hardCe?: Scalar;
  /** The weighted (and warmed-up) distillation / robustness part, if the term has one. */
  readonly distillation?: Scalar;
}

/** One configured term of a training objective; `compute` runs inside the trainer's tidy. */
export interface LossTerm {
  readonly name: string;
  compute(context: LossContext): Scalar;
  /**
   * Optional: the same value with its parts. Trainers call it instead of `compute` when present
   * and log the parts as `<term>/ce` and `<term>/distill` next to `<term>`.
   */
  computeParts?(context: LossContext): LossTermParts;
  /**
   * Variables the term owns (a feature distiller's connector or embedding, a memory bank):
   * `trainable` ones are optimised with the model and `state` ones are updated by the term
   * itself; both are saved in run snapshots and restored on resume, in this order.
   */
  readonly variables?: LossVariables;
  /** True when `compute` reads `context.features` / `referenceFeatures`: the trainer then passes them. */
  readonly usesFeatures?: boolean;
  /**
   * True when the term wants the reference model run in training mode (BatchNorm on batch
   * statistics), as mdistiller's OFD runs its teacher; the trainer then does so for every term.
   */
  readonly referenceTrainingMode?: boolean;
  /** Frees the term's variables; the trainer calls it once, when the run ends. */
  dispose?(): void;
}

/** What a loss term owns besides its options (see {@link LossTerm.variables}). */
export interface LossVariables {
  readonly trainable: readonly Variable[];
  readonly state: readonly Variable[];
}

/**
 * What a loss may use when it is created: feature-based distillers size their connectors from
 * the models' feature shapes (as mdistiller's `get_feat_shapes` does) and seed their inits.
 */
export interface LossCreationContext {
  /** Per-example shapes of the trained model's and the reference model's feature taps. */
  readonly featureShapes?: { readonly model: FeatureShapes; readonly reference?: FeatureShapes };
  readonly numClasses?: number;
  /**
   * The label of every training example, by the index rows carry in `LossContext.indices`
   * (its length is the training-set size); given when a loss declares `exampleIndices`.
   */
  readonly trainingLabels?: Int32Array;
  /**
   * The reference model's BatchNorm affine parameters before each pre-activation tap
   * (`ClassifierModel.preactBatchNorms`, read to the host), given with `featureShapes` when the
   * reference model has them.
   */
  readonly referencePreactNorms?: Readonly<Record<string, { readonly gamma: Float32Array; readonly beta: Float32Array }>>;
  /** Seed for the initial values of the term's variables. */
  readonly seed?: number | string;
  /** Config key of the term (`trainer.losses[0]`), for errors. */
  readonly keyPath?: string;
}

/** Multi-binding token: a named, configurable loss that trainers pick from config. */
export const LossDefinition = Symbol('LossDefinition');

/**
 * A loss contributed by a package (or a user): its config schema and a factory. New losses are
 * added by binding one of these in a ContainerModule, never by editing framework code.
 */
export interface LossDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  /** Validates the `options` block of the config; defaults live here. */
  readonly schema: S;
  /** Whether the loss needs `context.reference` (teacher or natural logits). */
  readonly needsReference: boolean;
  /**
   * What a configured instance needs from the run, when that depends on its options (IKL with
   * `classPrior: true` needs a class-prior writer). Default: `{ reference: needsReference,
   * classPrior: false }`. A run is assembled only when every requirement is met.
   */
  requirements?(options: z.output<S>): LossRequirements;
  create(options: z.output<S>, context?: LossCreationContext): LossTerm;
}

/** What one configured loss needs beyond the model's logits and the labels. */
export interface LossRequirements {
  /** `context.reference`: the trainer must produce reference logits (teacher or natural). */
  readonly reference: boolean;
  /** A class prior in the ClassPriorStore: a `class-prior` plugin must write it. */
  readonly classPrior: boolean;
  /** One true class per example (a ground-truth mask or per-class weights): refused when the training split mixes examples. */
  readonly hardLabels?: boolean;
  /**
   * Feature taps of the trained and the reference model (`context.features` /
   * `context.referenceFeatures`) and their shapes at creation: the trainer must provide them.
   */
  readonly features?: boolean;
  /**
   * The training-set index of each row (`context.indices`) and, at creation, the label of every
   * training example (`trainingLabels`): the trainer must pass the loader's indices.
   */
  readonly exampleIndices?: boolean;
  /** The reference model run in training mode (batch statistics): the trainer must support it. */
  readonly referenceTrainingMode?: boolean;
}

/** The requirements of `definition` configured with `options` (parsed by its schema). */
export function lossRequirements<S extends z.ZodType>(definition: LossDefinition<S>, options: z.output<S>): LossRequirements {
  return definition.requirements?.(options) ?? { reference: definition.needsReference, classPrior: false };
}
