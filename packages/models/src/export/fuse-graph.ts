/**
 * Primitives -> the inference graph: channel shuffles are recognised (reshape, transpose,
 * reshape), batch-norms and biases fold into the preceding convolution or dense layer, a ReLU
 * right after a linear layer becomes its activation. What remains unfused must be an IR op.
 */
import { ExportError } from './export-error.js';
import type { FusedActivation, InferenceGraph, IrNode, ValueShape } from './graph-ir.js';
import type { LoweredTrace, Primitive } from './lower-trace.js';
import type { KernelTrace } from './trace-kernels.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Candidate = Mutable<IrNode> | Extract<Primitive, { kind: 'reshape' | 'transpose' }>;

function toCandidate(p: Primitive): Candidate {
  switch (p.kind) {
    case 'conv':
      return { op: 'conv', name: p.name, inputs: [p.x], outputs: [p.out], filter: p.filter, bias: null, depthwise: p.depthwise, stride: p.stride, pads: p.pads, activation: 'linear', folded: [] };
    case 'dense':
      return { op: 'dense', name: p.name, inputs: [p.x], outputs: [p.out], weight: p.weight, bias: null, activation: 'linear' };
    case 'affine':
      return { op: 'affine', name: p.name, inputs: [p.x], outputs: [p.out], scale: p.scale, shift: p.shift, activation: p.relu ? 'relu' : 'linear' };
    case 'add':
    case 'mul':
    case 'concat':
      return { op: p.kind, name: p.name, inputs: p.xs, outputs: [p.out] };
    case 'relu':
    case 'sigmoid':
    case 'globalAvgPool':
      return { op: p.kind, name: p.name, inputs: [p.x], outputs: [p.out] };
    case 'maxPool':
      return { op: 'maxPool', name: p.name, inputs: [p.x], outputs: [p.out], size: p.size, stride: p.stride, pads: p.pads };
    case 'avgPool':
      return { op: 'avgPool', name: p.name, inputs: [p.x], outputs: [p.out], size: p.size, stride: p.stride };
    case 'pad':
      return { op: 'pad', name: p.name, inputs: [p.x], outputs: [p.out], pads: p.pads };
    case 'split':
      return { op: 'split', name: p.name, inputs: [p.x], outputs: p.outs, sizes: p.sizes };
    case 'reshape':
    case 'transpose':
      return p;
  }
}

const inputsOf = (c: Candidate): readonly string[] => ('op' in c ? c.inputs : [c.x]);
const outputsOf = (c: Candidate): readonly string[] => ('op' in c ? c.outputs : [c.out]);

type Linear = Extract<Mutable<IrNode>, { op: 'conv' | 'dense' | 'affine' }>;
type Affine = Extract<Mutable<IrNode>, { op: 'affine' }>;

/** Folds `affine(linear(x))` into `linear`: out-channel o of weights and bias scaled, shift added. */
function foldAffine(p: Linear, q: Affine): void {
  const s = q.scale;
  if (p.op === 'affine') {
    p.scale = p.scale.map((v, c) => v * s[c]!);
    p.shift = p.shift.map((v, c) => v * s[c]! + q.shift[c]!);
  } else {
    const w = p.op === 'conv' ? p.filter : p.weight;
    const out = p.op === 'conv' && p.depthwise ? w.shape[2]! : w.shape[w.shape.length - 1]!;
    const data = new Float32Array(w.data.length);
    for (let i = 0; i < data.length; i += out) for (let c = 0; c < out; c++) data[i + c] = w.data[i + c]! * s[c]!;
    if (p.op === 'conv') {
      p.filter = { data, shape: w.shape };
      p.folded = [...p.folded, q.name];
    } else p.weight = { data, shape: w.shape };
    p.bias = q.shift.map((v, c) => (p.bias ? p.bias[c]! * s[c]! : 0) + v);
  }
  p.activation = q.activation;
}

export function fuseGraph(trace: KernelTrace, lowered: LoweredTrace): InferenceGraph {
  const resolve = (id: string) => lowered.aliases.get(id) ?? id;
  let nodes: Candidate[] = lowered.primitives.map(toCandidate);
  const consumers = () => {
    const map = new Map<string, Candidate[]>();
    for (const n of nodes) for (const i of inputsOf(n)) map.set(i, [...(map.get(i) ?? []), n]);
    return map;
  };
  const output = resolve(trace.output);
  const onlyConsumer = (map: Map<string, Candidate[]>, value: string): Candidate | undefined => {
    const list = map.get(value) ?? [];
    return list.length === 1 && value !== output ? list[0] : undefined;
  };

  // Channel shuffle: reshape [H, W, g, C/g] -> transpose [0, 1, 2, 4, 3] -> reshape [H, W, C].
  let map = consumers();
  for (const r1 of [...nodes]) {
    if ('op' in r1 || r1.kind !== 'reshape' || r1.shape.length !== 4) continue;
    const t = onlyConsumer(map, r1.out);
    if (!t || 'op' in t || t.kind !== 'transpose' || t.perm.join() !== '0,1,2,4,3') continue;
    const r2 = onlyConsumer(map, t.out);
    if (!r2 || 'op' in r2 || r2.kind !== 'reshape' || r2.shape.length !== 3) continue;
    const shuffle: Candidate = { op: 'channelShuffle', name: `channel_shuffle_${nodes.indexOf(r1)}`, inputs: [r1.x], outputs: [r2.out], groups: r1.shape[2]! };
    nodes = nodes.flatMap((n) => (n === r1 ? [shuffle] : n === t || n === r2 ? [] : [n]));
  }

  // Fold affines and ReLUs into the linear layer before them, until nothing changes.
  for (let changed = true; changed; ) {
    changed = false;
    map = consumers();
    for (const p of nodes) {
      if (!('op' in p) || (p.op !== 'conv' && p.op !== 'dense' && p.op !== 'affine') || p.activation !== 'linear') continue;
      const q = onlyConsumer(map, p.outputs[0]!);
      if (!q || !('op' in q)) continue;
      if (q.op === 'affine') foldAffine(p, q);
      else if (q.op === 'relu') p.activation = 'relu';
      else continue;
      p.outputs = q.outputs;
      nodes = nodes.filter((n) => n !== q);
      changed = true;
      break;
    }
  }

  const irNodes: IrNode[] = nodes.map((n) => {
    if (!('op' in n)) throw new ExportError(n.name, `a ${n.kind} that is not part of a channel shuffle (reshape ${'shape' in n ? JSON.stringify(n.shape) : ''})`);
    return n as IrNode;
  });
  // Layer names must be unique in every format.
  const seen = new Map<string, number>();
  const named = irNodes.map((n) => {
    const k = seen.get(n.name) ?? 0;
    seen.set(n.name, k + 1);
    return k === 0 ? n : { ...n, name: `${n.name}_${k}` };
  });

  const shapes = new Map<string, ValueShape>();
  for (const [id, shape] of trace.shapes) shapes.set(id, shape.slice(1));
  const nonNegative = new Set<string>();
  for (const n of named) {
    const act: FusedActivation | undefined = 'activation' in n ? n.activation : undefined;
    const passes = ['maxPool', 'avgPool', 'pad', 'channelShuffle', 'split', 'concat', 'globalAvgPool'].includes(n.op) && n.inputs.every((i) => nonNegative.has(i));
    if (act === 'relu' || n.op === 'relu' || passes) for (const o of n.outputs) nonNegative.add(o);
  }
  const [h, w, c] = trace.shapes.get(trace.input)!.slice(1) as [number, number, number];
  return {
    input: trace.input,
    output,
    inputShape: [h, w, c],
    numClasses: trace.shapes.get(output)![1]!,
    nodes: named,
    shapes,
    nonNegative,
  };
}
