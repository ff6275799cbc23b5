import * as tf from '@tensorflow/tfjs';
import type { LossContext, LossTerm } from '@dkl/core';
import { loadVariablesFromSnapshot } from './snapshot-variables.js';
import type { TrainStep } from './step.js';

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

/**
 * What a step whose loss terms own variables (feature distillers' modules and state) exposes to
 * the engine: the trainable ones to optimise, and `saveState` / `loadState` carrying all of them
 * (trainable, then state, as `loss-term/<i>`) through run snapshots. Nothing when no term owns any.
 */
export function lossTermState(terms: readonly LossTerm[]): Pick<TrainStep, 'trainableVariables' | 'saveState' | 'loadState'> {
  const trainable = terms.flatMap((t) => [...(t.variables?.trainable ?? [])]);
  const all = [...trainable, ...terms.flatMap((t) => [...(t.variables?.state ?? [])])];
  if (all.length === 0) return {};
  const names = all.map((v) => `${v.name} [${v.shape.join(',')}]`);
  return {
    trainableVariables: trainable,
    saveState: () => ({ json: { lossTermVariables: names }, tensors: Object.fromEntries(all.map((v, i) => [`loss-term/${i}`, v])) }),
    loadState: (state) => {
      const saved = (state.json as { lossTermVariables?: string[] } | null)?.lossTermVariables ?? [];
      loadVariablesFromSnapshot(all, state.tensors ?? {}, 'loss-term', '(run snapshot)', saved, 'loss-term');
    },
  };
}
