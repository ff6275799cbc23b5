/**
 * Draws the random parameters of a pipeline with SeededRng. All randomness happens here, on the
 * calling thread, in sample order, so results never depend on which worker runs the pixels.
 */
import type { SeededRng } from '@dkl/core';
import type { CompiledPipeline } from './spec.js';
import { transformDefinitionFor } from './registry.js';

/** Draws `count` samples' parameters (`pipeline.paramsPerSample` int32 each) from `rng`. */
export function planParams(pipeline: CompiledPipeline, count: number, rng: SeededRng): Int32Array {
  const per = pipeline.paramsPerSample;
  const params = new Int32Array(count * per);
  if (per === 0) return params;
  for (let i = 0; i < count; i++) {
    const p = i * per;
    for (const step of pipeline.steps) transformDefinitionFor(pipeline, step.spec.kind)!.plan(step.spec, rng, params, p + step.paramOffset, step.inShape);
  }
  return params;
}
