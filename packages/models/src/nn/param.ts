/**
 * Parameters with PyTorch names. Architecture code declares every parameter and buffer through a
 * ParamStore; the store either only records shapes (parameter counting without allocation) or
 * materialises tf.variables from a SeededRng, in declaration order, so both paths share the
 * exact code that defines the architecture.
 */
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '@dkl/core';
import { sampleInit, type InitSpec } from './init.js';

/**
 * How the PyTorch tensor maps onto ours:
 * - `conv`: torch OIHW [out, in/groups, kh, kw] -> HWIO [kh, kw, in/groups, out]
 * - `depthwise`: torch [C, 1, kh, kw] -> tf depthwise filter [kh, kw, C, 1]
 * - `linear`: torch [out, in] -> [in, out]
 * - `vector`: unchanged (biases, BatchNorm affine and running statistics)
 */
export type ParamLayout = 'conv' | 'depthwise' | 'linear' | 'vector';

export interface ParamSpec {
  /** PyTorch state-dict name, e.g. `layer1.0.conv1.weight`. */
  readonly name: string;
  /** Shape of the tensor in the PyTorch state dict. */
  readonly torchShape: readonly number[];
  /** Shape of our tf variable. */
  readonly shape: readonly number[];
  readonly layout: ParamLayout;
  readonly trainable: boolean;
  readonly init: InitSpec;
}

/** A declared parameter; `value` is available once the store is materialised. */
export class Param {
  private variable: tf.Variable | null = null;
  constructor(readonly spec: ParamSpec) {}

  get value(): tf.Variable {
    if (!this.variable) throw new Error(`parameter '${this.spec.name}' was declared shape-only and has no value`);
    return this.variable;
  }

  /** @internal */
  attach(variable: tf.Variable): void {
    this.variable = variable;
  }

  get size(): number {
    return this.spec.shape.reduce((a, b) => a * b, 1);
  }
}

/** tf layout of a torch shape. */
export function tfShapeOf(layout: ParamLayout, torchShape: readonly number[]): number[] {
  switch (layout) {
    case 'conv': {
      const [o, i, kh, kw] = torchShape as [number, number, number, number];
      return [kh, kw, i, o];
    }
    case 'depthwise': {
      const [c, , kh, kw] = torchShape as [number, number, number, number];
      return [kh, kw, c, 1];
    }
    case 'linear': {
      const [o, i] = torchShape as [number, number];
      return [i, o];
    }
    case 'vector':
      return [...torchShape];
  }
}

export class ParamStore {
  readonly params: Param[] = [];
  private readonly names = new Set<string>();

  declare(name: string, layout: ParamLayout, torchShape: readonly number[], init: InitSpec, trainable = true): Param {
    if (this.names.has(name)) throw new Error(`duplicate parameter name '${name}'`);
    this.names.add(name);
    const param = new Param({ name, torchShape: [...torchShape], shape: tfShapeOf(layout, torchShape), layout, trainable, init });
    this.params.push(param);
    return param;
  }

  count(trainableOnly: boolean): number {
    return this.params.filter((p) => p.spec.trainable || !trainableOnly).reduce((a, p) => a + p.size, 0);
  }

  /**
   * Allocates every parameter as a tf.variable, drawing initial values in declaration order
   * (PyTorch also initialises module by module in construction order).
   */
  materialize(rng: SeededRng, variablePrefix: string): void {
    for (const param of this.params) {
      const { shape, init, trainable, name } = param.spec;
      const size = param.size;
      // Values are drawn in torch layout, then moved to ours, so the draw order matches torch's.
      const values = torchToTfValues(sampleInit(init, size, rng), param.spec.layout, param.spec.torchShape);
      const variable = tf.tidy(() => tf.variable(tf.tensor(values, [...shape], 'float32'), trainable, `${variablePrefix}/${name}`));
      if (variable.shape.join(',') !== shape.join(',')) throw new Error(`internal: shape of ${name}`);
      param.attach(variable);
    }
  }
}

/**
 * `torchToTf` on raw values: torch OIHW / [out, in] order -> HWIO / [in, out] (a depthwise
 * [C, 1, kh, kw] filter becomes [kh, kw, C, 1], the same permutation). A plain loop: tfjs's
 * generic cpu transpose took most of `createModel`'s time for the large models.
 */
export function torchToTfValues(values: Float32Array, layout: ParamLayout, torchShape: readonly number[]): Float32Array {
  if (layout === 'vector' || (layout === 'conv' && torchShape[2] === 1 && torchShape[3] === 1 && torchShape[1] === 1)) return values;
  if (layout === 'linear') {
    const [o, i] = torchShape as [number, number];
    const out = new Float32Array(values.length);
    for (let r = 0; r < o; r++) for (let c = 0; c < i; c++) out[c * o + r] = values[r * i + c]!;
    return out;
  }
  const [o, i, kh, kw] = torchShape as [number, number, number, number];
  const out = new Float32Array(values.length);
  let src = 0;
  for (let a = 0; a < o; a++) {
    for (let b = 0; b < i; b++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) out[((y * kw + x) * i + b) * o + a] = values[src++]!;
      }
    }
  }
  return out;
}

/** Converts a tensor in PyTorch layout to our layout (does not dispose the input). */
export function torchToTf(t: tf.Tensor, layout: ParamLayout): tf.Tensor {
  switch (layout) {
    case 'conv':
      return tf.transpose(t, [2, 3, 1, 0]);
    case 'depthwise': {
      const [c, , kh, kw] = t.shape as [number, number, number, number];
      return tf.reshape(tf.transpose(t, [2, 3, 1, 0]), [kh, kw, c, 1]);
    }
    case 'linear':
      return tf.transpose(t, [1, 0]);
    case 'vector':
      return tf.clone(t);
  }
}

/** Converts one of our tensors back to PyTorch layout (does not dispose the input). */
export function tfToTorch(t: tf.Tensor, layout: ParamLayout): tf.Tensor {
  switch (layout) {
    case 'conv':
      return tf.transpose(t, [3, 2, 0, 1]);
    case 'depthwise': {
      const [kh, kw, c] = t.shape as [number, number, number, number];
      return tf.transpose(tf.reshape(t, [kh, kw, 1, c]), [3, 2, 0, 1]);
    }
    case 'linear':
      return tf.transpose(t, [1, 0]);
    case 'vector':
      return tf.clone(t);
  }
}
