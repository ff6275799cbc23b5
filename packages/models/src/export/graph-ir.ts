/**
 * The inference graph an export is written from: a topologically ordered list of layer-level
 * nodes over NHWC float32 values, with batch-norm already folded and every weight a constant.
 * Each exporter (tfjs-layers, tfjs-graph, ONNX) maps these few ops to its own vocabulary.
 */

/** A constant tensor: float32 data and its shape (conv filters HWIO, dense weights [in, out]). */
export interface ConstTensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export type FusedActivation = 'linear' | 'relu';

/** Spatial zero padding: top, bottom, left, right. */
export type Pads = readonly [number, number, number, number];

interface NodeBase {
  /** Layer name: the PyTorch module path of its weights where it has any (`layer1.0.conv1`). */
  readonly name: string;
  /** Value ids consumed, in order. */
  readonly inputs: readonly string[];
  /** Value ids produced (one, except `split`). */
  readonly outputs: readonly string[];
}

export type IrNode =
  | (NodeBase & {
      readonly op: 'conv';
      /** HWIO for ordinary convolutions, [kh, kw, C, 1] when `depthwise`. */
      readonly filter: ConstTensor;
      readonly bias: Float32Array | null;
      readonly depthwise: boolean;
      readonly stride: number;
      readonly pads: Pads;
      readonly activation: FusedActivation;
      /** Names of the batch-norm layers folded into this convolution. */
      readonly folded: readonly string[];
    })
  | (NodeBase & { readonly op: 'dense'; readonly weight: ConstTensor; readonly bias: Float32Array | null; readonly activation: FusedActivation })
  /** Per-channel `x * scale + shift` (a batch-norm with nothing to fold into, or input normalisation). */
  | (NodeBase & { readonly op: 'affine'; readonly scale: Float32Array; readonly shift: Float32Array; readonly activation: FusedActivation })
  | (NodeBase & { readonly op: 'add' | 'mul' | 'relu' | 'sigmoid' | 'globalAvgPool' | 'concat' })
  | (NodeBase & { readonly op: 'maxPool'; readonly size: number; readonly stride: number; readonly pads: Pads })
  | (NodeBase & { readonly op: 'avgPool'; readonly size: number; readonly stride: number })
  | (NodeBase & { readonly op: 'pad'; readonly pads: Pads })
  | (NodeBase & { readonly op: 'channelShuffle'; readonly groups: number })
  /** Split along channels into `sizes`. */
  | (NodeBase & { readonly op: 'split'; readonly sizes: readonly number[] });

export type IrOp = IrNode['op'];

/** Shape of a value without its batch dimension: [H, W, C] or [C]. */
export type ValueShape = readonly number[];

export interface InferenceGraph {
  readonly input: string;
  readonly output: string;
  /** Input shape [H, W, C]. */
  readonly inputShape: readonly [number, number, number];
  readonly numClasses: number;
  readonly nodes: readonly IrNode[];
  /** Per-value shape without the batch dimension. */
  readonly shapes: ReadonlyMap<string, ValueShape>;
  /** Values known to be >= 0 (ReLU outputs): zero padding equals -inf padding for max-pooling them. */
  readonly nonNegative: ReadonlySet<string>;
}

/**
 * How the graph writers walk `graph`: the nodes in order, each handed to `emit` with the writer's
 * name for its first input and that input's shape; `emit` returns the writer's name of the node's
 * output (a list for a multi-output node, one per `node.outputs`). `input` is the writer's name
 * of the graph input. Returns the writer's name of any graph value (`graph.output` after).
 */
export function emitNodes(
  graph: InferenceGraph,
  input: string,
  emit: (node: IrNode, x: string, shape: ValueShape, ref: (value: string) => string) => string | readonly string[],
): (value: string) => string {
  const names = new Map<string, string>([[graph.input, input]]);
  const ref = (value: string) => names.get(value)!;
  for (const node of graph.nodes) {
    const out = emit(node, ref(node.inputs[0]!), graph.shapes.get(node.inputs[0]!)!, ref);
    if (typeof out === 'string') names.set(node.outputs[0]!, out);
    else node.outputs.forEach((o, i) => names.set(o, out[i]!));
  }
  return ref;
}
