/** A model's inference graph: trace the eval forward pass, lower the kernels, fuse. */
import type { DklModel } from '../model/dkl-model.js';
import { fuseGraph } from './fuse-graph.js';
import type { InferenceGraph } from './graph-ir.js';
import { lowerTrace } from './lower-trace.js';
import { traceKernels } from './trace-kernels.js';

export function buildInferenceGraph(model: DklModel): InferenceGraph {
  const trace = traceKernels(model);
  return fuseGraph(trace, lowerTrace(trace));
}
