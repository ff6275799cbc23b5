/**
 * Inference graph -> ONNX (opset 13). The graph input is NHWC `input` [batch, H, W, C] like
 * `forward`; one Transpose moves it to ONNX's NCHW, after which convolutions (OIHW filters,
 * `group` for depthwise), Gemm, pooling with explicit pads, Split / Concat on axis 1 and the
 * channel shuffle (Reshape [N, g, C/g, H, W] -> Transpose -> Reshape) run in NCHW. Output
 * `logits` [batch, classes].
 */
import { ExportError } from './export-error.js';
import { emitNodes, type FusedActivation, type InferenceGraph } from './graph-ir.js';
import { ModelProto, OnnxAttributeType, OnnxDataType } from './onnx-proto.js';

export const ONNX_OPSET = 13;
const IR_VERSION = 7;

type Attribute = { name: string; type: number; i?: number; ints?: number[]; f?: number; s?: Uint8Array };
interface OnnxNode {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}
interface OnnxTensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

const intAttr = (name: string, i: number): Attribute => ({ name, type: OnnxAttributeType.INT, i });
const intsAttr = (name: string, ints: readonly number[]): Attribute => ({ name, type: OnnxAttributeType.INTS, ints: [...ints] });

/** HWIO [kh, kw, I, O] -> OIHW; depthwise [kh, kw, C, 1] -> [C, 1, kh, kw]. */
function toOihw(data: Float32Array, shape: readonly number[], depthwise: boolean): { data: Float32Array; dims: number[] } {
  const [kh, kw, i, o] = (depthwise ? [shape[0], shape[1], 1, shape[2]] : shape) as [number, number, number, number];
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let ci = 0; ci < i; ci++)
        for (let co = 0; co < o; co++) out[((co * i + ci) * kh + y) * kw + x] = data[((y * kw + x) * i + ci) * o + co]!;
  return { data: out, dims: [o, i, kh, kw] };
}

export interface OnnxMetadata {
  readonly [key: string]: string;
}

/** Encodes the graph as an ONNX ModelProto. */
export function writeOnnx(graph: InferenceGraph, metadata: OnnxMetadata = {}, producerVersion = '0.1.0'): Uint8Array {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];

  const floats = (name: string, data: Float32Array, dims: number[]) => {
    initializers.push({ name, dims, data_type: OnnxDataType.FLOAT, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  };
  const int64s = (name: string, values: readonly number[]) => {
    initializers.push({ name, dims: [values.length], data_type: OnnxDataType.INT64, raw_data: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer) });
    return name;
  };
  const op = (name: string, type: string, input: string[], attribute: Attribute[] = [], output = name): string => {
    nodes.push({ name, op_type: type, input, output: [output], attribute });
    return output;
  };
  const activation = (name: string, x: string, a: FusedActivation) => (a === 'relu' ? op(`${name}/Relu`, 'Relu', [x]) : x);
  const onnxPads = (p: readonly number[]) => [p[0]!, p[2]!, p[1]!, p[3]!]; // [top, left, bottom, right]

  const [h, w, c] = graph.inputShape;
  const graphInput = op('input/nchw', 'Transpose', ['input'], [intsAttr('perm', [0, 3, 1, 2])]);
  const nameOf = emitNodes(graph, graphInput, (n, x, shape, ref) => {
    switch (n.op) {
      case 'conv': {
        const { data, dims } = toOihw(n.filter.data, n.filter.shape, n.depthwise);
        const inputs = [x, floats(`${n.name}.weight`, data, dims)];
        if (n.bias) inputs.push(floats(`${n.name}.bias`, n.bias, [n.bias.length]));
        const conv = op(`${n.name}/Conv`, 'Conv', inputs, [
          intsAttr('kernel_shape', dims.slice(2)),
          intsAttr('strides', [n.stride, n.stride]),
          intsAttr('pads', onnxPads(n.pads)),
          intsAttr('dilations', [1, 1]),
          intAttr('group', n.depthwise ? dims[0]! : 1),
        ]);
        return activation(n.name, conv, n.activation);
      }
      case 'dense': {
        const units = n.weight.shape[1]!;
        const gemm = op(`${n.name}/Gemm`, 'Gemm', [x, floats(`${n.name}.weight`, n.weight.data, [...n.weight.shape]), floats(`${n.name}.bias`, n.bias ?? new Float32Array(units), [units])]);
        return activation(n.name, gemm, n.activation);
      }
      case 'affine': {
        const dims = shape.length === 3 ? [1, n.scale.length, 1, 1] : [1, n.scale.length];
        const mul = op(`${n.name}/Mul`, 'Mul', [x, floats(`${n.name}.scale`, n.scale, dims)]);
        return activation(n.name, op(`${n.name}/Add`, 'Add', [mul, floats(`${n.name}.shift`, n.shift, dims)]), n.activation);
      }
      case 'add':
      case 'mul':
        return op(n.name, n.op === 'add' ? 'Add' : 'Mul', [x, ref(n.inputs[1]!)]);
      case 'relu':
      case 'sigmoid':
        return op(n.name, n.op === 'relu' ? 'Relu' : 'Sigmoid', [x]);
      case 'globalAvgPool':
        return op(n.name, 'Flatten', [op(`${n.name}/GlobalAveragePool`, 'GlobalAveragePool', [x])], [intAttr('axis', 1)]);
      case 'maxPool':
        return op(n.name, 'MaxPool', [x], [intsAttr('kernel_shape', [n.size, n.size]), intsAttr('strides', [n.stride, n.stride]), intsAttr('pads', onnxPads(n.pads))]);
      case 'avgPool':
        return op(n.name, 'AveragePool', [x], [intsAttr('kernel_shape', [n.size, n.size]), intsAttr('strides', [n.stride, n.stride])]);
      case 'pad': {
        const [t, b, l, r] = n.pads;
        return op(n.name, 'Pad', [x, int64s(`${n.name}.pads`, [0, 0, t, l, 0, 0, b, r])], [{ name: 'mode', type: OnnxAttributeType.STRING, s: new TextEncoder().encode('constant') }]);
      }
      case 'channelShuffle': {
        const [hh, ww, cc] = shape as [number, number, number];
        const grouped = op(`${n.name}/Reshape`, 'Reshape', [x, int64s(`${n.name}.grouped`, [-1, n.groups, cc / n.groups, hh, ww])]);
        const t = op(`${n.name}/Transpose`, 'Transpose', [grouped], [intsAttr('perm', [0, 2, 1, 3, 4])]);
        return op(n.name, 'Reshape', [t, int64s(`${n.name}.shape`, [-1, cc, hh, ww])]);
      }
      case 'split': {
        const outputs = n.outputs.map((_, i) => `${n.name}:${i}`);
        nodes.push({ name: n.name, op_type: 'Split', input: [x, int64s(`${n.name}.sizes`, n.sizes)], output: outputs, attribute: [intAttr('axis', 1)] });
        return outputs;
      }
      case 'concat':
        return op(n.name, 'Concat', n.inputs.map(ref), [intAttr('axis', 1)]);
      default:
        throw new ExportError((n as { name: string }).name, 'onnx: unsupported op');
    }
  });
  op('logits', 'Identity', [nameOf(graph.output)]);

  const tensorType = (dims: (number | string)[]) => ({
    tensor_type: {
      elem_type: OnnxDataType.FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
    },
  });
  const message = ModelProto.fromObject({
    ir_version: IR_VERSION,
    producer_name: 'dkl',
    producer_version: producerVersion,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: 'dkl_export',
      node: nodes,
      initializer: initializers,
      input: [{ name: 'input', type: tensorType(['batch', h, w, c]) }],
      output: [{ name: 'logits', type: tensorType(['batch', graph.numClasses]) }],
    },
  });
  return ModelProto.encode(message).finish();
}
