// Timing pieces shared by the benchmarks: one warm-up, then the median of the timed calls; and one
// full training step of a TrainStep (what the engine does per batch, without the engine).
import * as tf from '@tensorflow/tfjs';

/** The median of `times` (sorts it). */
export function median(times) {
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** Median wall time in ms of `run(i)` for i = 1..iters, after one warm-up call `run(0)`. */
export function medianMs(iters, run) {
  run(0);
  const times = [];
  for (let i = 1; i <= iters; i++) {
    const t = performance.now();
    run(i);
    times.push(performance.now() - t);
  }
  return median(times);
}

/**
 * One optimiser step of `step` (a @dkl/trainers TrainStep) on `batch`: `prepare` outside the tape,
 * `compute` under tf.variableGrads over `variables`, the update at learning rate 0.05, the loss
 * read back; every tensor disposed.
 */
export function trainOnce(step, batch, variables, optimizer, i) {
  const ctx = { epoch: 1, epochs: 1, step: i, batchIndex: i, rng: null };
  const prepared = step.prepare?.(batch, ctx) ?? {};
  const { value, grads } = tf.variableGrads(() => {
    const r = step.compute(batch, prepared, ctx);
    tf.dispose([...Object.values(r.outputs), ...Object.values(r.terms ?? {})].filter((t) => t !== r.loss));
    return r.loss;
  }, variables);
  optimizer.apply(variables, variables.map((v) => grads[v.name]), 0.05);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads), ...Object.values(prepared)]);
}
