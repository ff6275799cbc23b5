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

/** Evaluates every term on `context`; returns the named values and their sum. */
export function sumLossTerms(terms: readonly LossTerm[], context: LossContext): { total: tf.Scalar; parts: Record<string, tf.Scalar> } {
  const keys = termKeys(terms);
  const parts: Record<string, tf.Scalar> = {};
  terms.forEach((term, i) => (parts[keys[i]!] = term.compute(context)));
  const values = Object.values(parts);
  const total = (values.length === 1 ? values[0]! : tf.addN(values)) as tf.Scalar;
  return { total, parts };
}
