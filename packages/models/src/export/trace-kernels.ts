/**
 * Records the kernels a model's eval-mode forward pass runs, with the tensors that flow between
 * them, by wrapping the tfjs engine's `runKernel` for the duration of one forward pass. Every
 * architecture is plain tf ops on variables, so this one trace turns any zoo model into a graph
 * without a second, hand-written description of each architecture that could drift from it.
 * Kernels whose inputs are all constants (slices of a grouped filter...) are evaluated once and
 * recorded as constants.
 */
import * as tf from '@tensorflow/tfjs';
import type { DklModel } from '../model/dkl-model.js';

export interface TracedConst {
  readonly data: Float32Array | Int32Array;
  readonly shape: readonly number[];
  /** The model parameter this constant is, or is computed from (`layer1.0.conv1.weight`). */
  readonly origin?: string;
}

export interface KernelCall {
  readonly kernel: string;
  /** Input value ids by the kernel's input names (`x`, `filter`, ... or `0`, `1` for lists). */
  readonly inputs: Readonly<Record<string, string>>;
  readonly attrs: Readonly<Record<string, unknown>>;
  readonly outputs: readonly string[];
}

export interface KernelTrace {
  readonly batch: number;
  readonly input: string;
  readonly output: string;
  readonly calls: readonly KernelCall[];
  readonly consts: ReadonlyMap<string, TracedConst>;
  /** Traced shapes, batch dimension included. */
  readonly shapes: ReadonlyMap<string, readonly number[]>;
}

type RunKernel = (name: string, inputs: tf.NamedTensorMap, attrs?: tf.NamedAttrMap) => tf.Tensor | tf.Tensor[];

/** Traces `model.forward(x, { training: false })` for a batch of `batch` random images. */
export function traceKernels(model: DklModel, batch = 2): KernelTrace {
  const engine = tf.engine() as unknown as { runKernel: RunKernel };
  const original = engine.runKernel;
  const paramById = new Map<number, string>();
  for (const [name, variable] of model.namedVariables()) paramById.set(variable.id, name);

  const ids = new Map<number, string>();
  const consts = new Map<string, TracedConst>();
  const shapes = new Map<string, readonly number[]>();
  const calls: KernelCall[] = [];
  let counter = 0;

  const valueOf = (t: tf.Tensor): string => {
    const known = ids.get(t.id);
    if (known) return known;
    // Not produced by a traced kernel: a model parameter or a constant made inside forward.
    const param = paramById.get(t.id);
    const id = param ?? `const_${counter++}`;
    consts.set(id, { data: readData(t), shape: t.shape, ...(param ? { origin: param } : {}) });
    ids.set(t.id, id);
    shapes.set(id, t.shape);
    return id;
  };

  const x = tf.randomUniform([batch, ...model.inputShape], 0, 1, 'float32', 1);
  ids.set(x.id, 'input');
  shapes.set('input', x.shape);
  let depth = 0;
  let output = '';
  engine.runKernel = function (this: unknown, name, inputs, attrs) {
    // Kernels that compose other kernels are recorded once, at the outermost call.
    if (depth > 0) return original.call(this, name, inputs, attrs);
    depth++;
    let result: tf.Tensor | tf.Tensor[];
    try {
      result = original.call(this, name, inputs, attrs);
    } finally {
      depth--;
    }
    const outs = Array.isArray(result) ? result : [result];
    const inputIds = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, valueOf(t as tf.Tensor)]));
    const constInputs = Object.values(inputIds).map((id) => consts.get(id));
    if (constInputs.length > 0 && constInputs.every((c) => c !== undefined)) {
      const origin = constInputs.find((c) => c!.origin)?.origin;
      for (const t of outs) {
        const id = `const_${counter++}`;
        consts.set(id, { data: readData(t), shape: t.shape, ...(origin ? { origin } : {}) });
        ids.set(t.id, id);
        shapes.set(id, t.shape);
      }
      return result;
    }
    const outputIds = outs.map((t) => {
      const id = `v${counter++}`;
      ids.set(t.id, id);
      shapes.set(id, t.shape);
      return id;
    });
    calls.push({ kernel: name, inputs: inputIds, attrs: { ...(attrs ?? {}) }, outputs: outputIds });
    return result;
  };
  try {
    const { logits, features } = model.forward(x, { training: false });
    output = ids.get(logits.id) ?? '';
    tf.dispose([logits, ...Object.values(features)]);
  } finally {
    engine.runKernel = original;
    x.dispose();
  }
  if (!output) throw new Error(`tracing ${model.name}: the logits were not produced by a traced kernel`);
  return { batch, input: 'input', output, calls, consts, shapes };
}

function readData(t: tf.Tensor): Float32Array | Int32Array {
  const data = t.dataSync();
  return data instanceof Int32Array || data instanceof Float32Array ? data.slice() : Float32Array.from(data as Uint8Array);
}
