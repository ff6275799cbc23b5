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
    for (const step of pipeline.steps) {
      const spec = step.spec;
      const o = p + step.paramOffset;
      switch (spec.kind) {
        case 'random-crop':
          params[o] = rng.int(2 * spec.padding + 1);
          params[o + 1] = rng.int(2 * spec.padding + 1);
          break;
        case 'random-flip':
          params[o] = rng.bernoulli(spec.p ?? 0.5) ? 1 : 0;
          break;
        case 'cutout':
          // Draw the centre even when skipped so p does not shift later samples' streams.
          {
            const apply = rng.bernoulli(spec.p ?? 1);
            const cy = rng.int(step.inShape[0]);
            const cx = rng.int(step.inShape[1]);
            params[o] = apply ? cy : -1;
            params[o + 1] = cx;
          }
          break;
        case 'pad-resize':
        case 'normalize':
        case 'to-float':
          break;
        default:
          transformDefinitionFor(pipeline, spec.kind)!.plan(spec, rng, params, o);
          break;
      }
    }
  }
  return params;
}
