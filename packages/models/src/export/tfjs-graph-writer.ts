/**
 * Inference graph -> a TensorFlow.js graph model (`format: 'graph-model'`): a GraphDef in JSON
 * of standard TensorFlow ops (Conv2D / DepthwiseConv2dNative with EXPLICIT padding, BiasAdd,
 * MatMul, Pad, MaxPool, Mean, SplitV, ConcatV2, ...) whose Const nodes are the manifest's
 * weights, as tfjs-converter writes it, with a signature (`input` -> `logits`). Batch size is free.
 */
import { ExportError } from './export-error.js';
import { emitNodes, type InferenceGraph, type Pads } from './graph-ir.js';
import type { NamedWeight } from './encode-weights.js';

type Attr = Record<string, unknown>;
interface GraphNode {
  name: string;
  op: string;
  input: string[];
  attr: Attr;
  device?: string;
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const ints = (xs: readonly number[]) => ({ list: { i: xs.map(String) } });
const str = (s: string) => ({ s: b64(s) });
const FLOAT = { type: 'DT_FLOAT' };
const INT32 = { type: 'DT_INT32' };
const shapeAttr = (dims: readonly number[]) => ({ dim: dims.map((d) => ({ size: String(d) })) });

export interface GraphModelParts {
  readonly modelTopology: { node: GraphNode[]; library: Record<string, never>; versions: Record<string, number> };
  readonly weights: NamedWeight[];
  readonly signature: Record<string, unknown>;
}

export function writeTfjsGraph(graph: InferenceGraph): GraphModelParts {
  const nodes: GraphNode[] = [];
  const weights: NamedWeight[] = [];

  const constant = (name: string, data: Float32Array | Int32Array, shape: readonly number[]): string => {
    const dtype = data instanceof Int32Array ? 'DT_INT32' : 'DT_FLOAT';
    nodes.push({ name, op: 'Const', input: [], attr: { value: { tensor: { dtype, tensorShape: shapeAttr(shape) } }, dtype: { type: dtype } } });
    weights.push({ name, data, shape });
    return name;
  };
  const op = (name: string, type: string, input: string[], attr: Attr = {}): string => {
    nodes.push({ name, op: type, input, attr });
    return name;
  };
  const pad = (name: string, x: string, p: Pads): string =>
    p.every((v) => v === 0) ? x : op(`${name}/Pad`, 'Pad', [x, constant(`${name}/paddings`, Int32Array.from([0, 0, p[0], p[1], p[2], p[3], 0, 0]), [4, 2])], { T: FLOAT, Tpaddings: INT32 });
  const activation = (name: string, x: string, a: 'linear' | 'relu') => (a === 'relu' ? op(`${name}/Relu`, 'Relu', [x], { T: FLOAT }) : x);
  const biasAdd = (name: string, x: string, bias: Float32Array | null) =>
    bias ? op(`${name}/BiasAdd`, 'BiasAdd', [x, constant(`${name}/bias`, bias, [bias.length])], { T: FLOAT, data_format: str('NHWC') }) : x;

  const [h, w, c] = graph.inputShape;
  const graphInput = op('input', 'Placeholder', [], { dtype: FLOAT, shape: { shape: shapeAttr([-1, h, w, c]) } });
  const nameOf = emitNodes(graph, graphInput, (n, x, shape, ref) => {
    switch (n.op) {
      case 'conv': {
        const filter = constant(`${n.name}/weights`, n.filter.data, n.filter.shape);
        const type = n.depthwise ? 'DepthwiseConv2dNative' : 'Conv2D';
        // Explicit (PyTorch) padding inside the convolution, as dkl's forward runs it: no separate Pad op.
        const [t, b, l, r] = n.pads;
        const padded = n.pads.some((p) => p !== 0);
        const conv = op(`${n.name}/${type}`, type, [x, filter], {
          T: FLOAT, strides: ints([1, n.stride, n.stride, 1]), data_format: str('NHWC'), dilations: ints([1, 1, 1, 1]),
          ...(padded ? { padding: str('EXPLICIT'), explicit_paddings: ints([0, 0, t, b, l, r, 0, 0]) } : { padding: str('VALID') }),
        });
        return activation(n.name, biasAdd(n.name, conv, n.bias), n.activation);
      }
      case 'dense': {
        const mm = op(`${n.name}/MatMul`, 'MatMul', [x, constant(`${n.name}/weights`, n.weight.data, n.weight.shape)], { T: FLOAT, transpose_a: { b: false }, transpose_b: { b: false } });
        return activation(n.name, biasAdd(n.name, mm, n.bias), n.activation);
      }
      case 'affine': {
        const mul = op(`${n.name}/Mul`, 'Mul', [x, constant(`${n.name}/scale`, n.scale, [n.scale.length])], { T: FLOAT });
        return activation(n.name, op(`${n.name}/Add`, 'AddV2', [mul, constant(`${n.name}/shift`, n.shift, [n.shift.length])], { T: FLOAT }), n.activation);
      }
      case 'add':
      case 'mul':
        return op(n.name, n.op === 'add' ? 'AddV2' : 'Mul', [x, ref(n.inputs[1]!)], { T: FLOAT });
      case 'relu':
      case 'sigmoid':
        return op(n.name, n.op === 'relu' ? 'Relu' : 'Sigmoid', [x], { T: FLOAT });
      case 'globalAvgPool':
        return op(n.name, 'Mean', [x, constant(`${n.name}/axes`, Int32Array.from([1, 2]), [2])], { T: FLOAT, Tidx: INT32, keep_dims: { b: false } });
      case 'maxPool':
      case 'avgPool': {
        let input = x;
        if (n.op === 'maxPool' && n.pads.some((p) => p !== 0)) {
          if (!graph.nonNegative.has(n.inputs[0]!)) throw new ExportError(n.name, 'tfjs-graph: a padded max-pool of possibly negative values (zero padding would win the max)');
          input = pad(n.name, x, n.pads);
        }
        return op(n.name, n.op === 'maxPool' ? 'MaxPool' : 'AvgPool', [input], {
          T: FLOAT, ksize: ints([1, n.size, n.size, 1]), strides: ints([1, n.stride, n.stride, 1]), padding: str('VALID'), data_format: str('NHWC'),
        });
      }
      case 'pad':
        return pad(n.name, x, n.pads);
      case 'channelShuffle': {
        const [hh, ww, cc] = shape as [number, number, number];
        const r1 = op(`${n.name}/Reshape`, 'Reshape', [x, constant(`${n.name}/grouped`, Int32Array.from([-1, hh, ww, n.groups, cc / n.groups]), [5])], { T: FLOAT, Tshape: INT32 });
        const t = op(`${n.name}/Transpose`, 'Transpose', [r1, constant(`${n.name}/perm`, Int32Array.from([0, 1, 2, 4, 3]), [5])], { T: FLOAT, Tperm: INT32 });
        return op(n.name, 'Reshape', [t, constant(`${n.name}/shape`, Int32Array.from([-1, hh, ww, cc]), [4])], { T: FLOAT, Tshape: INT32 });
      }
      case 'split': {
        const s = op(n.name, 'SplitV', [x, constant(`${n.name}/sizes`, Int32Array.from(n.sizes), [n.sizes.length]), constant(`${n.name}/axis`, Int32Array.from([3]), [])], {
          T: FLOAT, Tlen: INT32, num_split: { i: String(n.sizes.length) },
        });
        return n.outputs.map((_, i) => (i === 0 ? s : `${s}:${i}`));
      }
      case 'concat':
        return op(n.name, 'ConcatV2', [...n.inputs.map(ref), constant(`${n.name}/axis`, Int32Array.from([3]), [])], { T: FLOAT, Tidx: INT32, N: { i: String(n.inputs.length) } });
    }
  });
  op('logits', 'Identity', [nameOf(graph.output)], { T: FLOAT });
  const signature = {
    inputs: { input: { name: 'input:0', dtype: 'DT_FLOAT', tensorShape: shapeAttr([-1, h, w, c]) } },
    outputs: { logits: { name: 'logits:0', dtype: 'DT_FLOAT', tensorShape: shapeAttr([-1, graph.numClasses]) } },
  };
  return { modelTopology: { node: nodes, library: {}, versions: {} }, weights, signature };
}
