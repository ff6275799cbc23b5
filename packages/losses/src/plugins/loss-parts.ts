import * as tf from '@tensorflow/tfjs';
import { ArgumentError, type LossContext, type LossTerm, type LossTermParts } from '@dkl/core';
import { crossEntropy } from '../functions/cross-entropy.js';

/** The pieces of one loss evaluation, for logging. All tensors belong to the caller's tidy. */
export interface LossParts extends LossTermParts {
  /** The scalar the trainer minimises: `hardCe + distillation`. */
  readonly total: tf.Scalar;
  /** `ceWeight * CE(labels)`, when the term has a hard-label part with non-zero weight. */
  readonly hardCe?: tf.Scalar;
  /** The distillation / robustness part, already multiplied by its weight and the warm-up factor. */
  readonly distillation?: tf.Scalar;
  /** The warm-up factor `min(epoch / warmup, 1)` applied to `distillation`. */
  readonly warmup: number;
}

/** A loss term that can also report its parts (every term of this package does). */
export interface DecomposableLossTerm extends LossTerm {
  /** Like `compute`, but returns the parts too; call it inside `tf.tidy`. */
  computeParts(context: LossContext): LossParts;
}

/** True when `term` offers {@link DecomposableLossTerm.computeParts}. */
export function hasLossParts(term: LossTerm): term is DecomposableLossTerm {
  return typeof (term as Partial<DecomposableLossTerm>).computeParts === 'function';
}

/** Linear warm-up `min(epoch / warmup, 1)`; epochs count from 1, as in the authors' trainers. */
export function warmupFactor(epoch: number, warmup: number): number {
  if (!Number.isFinite(epoch) || epoch < 1) {
    throw new ArgumentError('context.epoch', `must be a 1-based epoch number >= 1, got ${String(epoch)}`);
  }
  return Math.min(epoch / warmup, 1);
}

/** Which logits the hard-label CE applies to: the trained ones (KD) or the reference (AT: natural). */
export type CeTarget = 'logits' | 'reference';

/** The shared wiring of a "hard CE + warmed-up weighted distillation term" loss. */
export interface DistillationTermSpec {
  readonly name: string;
  readonly ceWeight: number;
  readonly ceTarget: CeTarget;
  readonly warmup: number;
  readonly needsReference: boolean;
  readonly validate: boolean;
  /** The unweighted-by-warm-up distillation scalar (its own weights already applied). */
  distill(context: LossContext): tf.Scalar;
}

/** The reference logits of `context`, or a clear error naming the loss that needs them. */
export function requireReference(context: LossContext, loss: string): tf.Tensor {
  if (!context.reference) {
    throw new ArgumentError('context.reference', `loss '${loss}' needs reference logits (teacher in KD, natural-image logits in AT)`);
  }
  return context.reference;
}

/** Builds a LossTerm from a {@link DistillationTermSpec}. */
export function distillationTerm(spec: DistillationTermSpec): DecomposableLossTerm {
  const computeParts = (context: LossContext): LossParts => {
    const factor = warmupFactor(context.epoch, spec.warmup);
    if (spec.needsReference) requireReference(context, spec.name);
    let hardCe: tf.Scalar | undefined;
    if (spec.ceWeight > 0) {
      const target = spec.ceTarget === 'reference' ? requireReference(context, spec.name) : context.logits;
      hardCe = tf.mul(crossEntropy(target, context.targets ?? context.labels, { validate: spec.validate }), spec.ceWeight) as tf.Scalar;
    }
    const distillation = tf.mul(spec.distill(context), factor) as tf.Scalar;
    const total = hardCe ? (tf.add(hardCe, distillation) as tf.Scalar) : distillation;
    return { total, hardCe, distillation, warmup: factor };
  };
  return {
    name: spec.name,
    computeParts,
    compute: (context) => tf.tidy(() => computeParts(context).total),
  };
}

/** The wiring a reference-reading loss takes from its parsed options. */
export interface ReferenceTermOptions {
  readonly ceWeight: number;
  /** Default: the trained logits. */
  readonly ceTarget?: CeTarget;
  readonly warmup: number;
  readonly validate: boolean;
}

/**
 * A {@link distillationTerm} on reference logits (KD's teacher, TRADES' natural logits): the
 * CE weight, target, warm-up and validation come from the loss's options; `distill` is handed the
 * reference, checked to be there.
 */
export function referenceTerm(name: string, options: ReferenceTermOptions, distill: (context: LossContext, reference: tf.Tensor) => tf.Scalar): DecomposableLossTerm {
  return distillationTerm({
    name,
    ceWeight: options.ceWeight,
    ceTarget: options.ceTarget ?? 'logits',
    warmup: options.warmup,
    needsReference: true,
    validate: options.validate,
    distill: (context) => distill(context, requireReference(context, name)),
  });
}
