import * as tf from '@tensorflow/tfjs';
import type { LossContext, LossTerm } from '@dkl/core';

/** Unique keys for terms (`kd`, `kd_2` when a name repeats), used in `batch-end.losses`. */
export function termKeys(terms: readonly LossTerm[]): string[] {
  const seen = new Map<string, number>();
  return terms.map((t) => {
    const n = (seen.get(t.name) ?? 0) + 1;
    seen.set(t.name, n);
    return n === 1 ? t.name : `${t.name}_${n}`;
  });
}

/**
 * Evaluates every term on `context`; returns their sum and the named values for logging: each
 * term under its key, and for terms that report them (`computeParts`) their hard-label CE and
 * distillation parts under `<key>/ce` and `<key>/distill` when both are present.
 */
export function sumLossTerms(terms: readonly LossTerm[], context: LossContext): { total: tf.Scalar; parts: Record<string, tf.Scalar> } {
  const keys = termKeys(terms);
  const parts: Record<string, tf.Scalar> = {};
  const totals = terms.map((term, i) => {
    const key = keys[i]!;
    if (!term.computeParts) return (parts[key] = term.compute(context));
    const r = term.computeParts(context);
    parts[key] = r.total;
    if (r.hardCe && r.distillation) {
      parts[`${key}/ce`] = r.hardCe;
      parts[`${key}/distill`] = r.distillation;
    }
    return r.total;
  });
  const total = (totals.length === 1 ? totals[0]! : tf.addN(totals)) as tf.Scalar;
  return { total, parts };
}

/** The variables a step's loss terms own, as the step exposes them to the engine (trainable, then state). */
export function lossTermVariables(terms: readonly LossTerm[]): { trainableVariables: tf.Variable[]; stateVariables: tf.Variable[] } {
  return {
    trainableVariables: terms.flatMap((t) => [...(t.variables?.trainable ?? [])]),
    stateVariables: terms.flatMap((t) => [...(t.variables?.state ?? [])]),
  };
}
