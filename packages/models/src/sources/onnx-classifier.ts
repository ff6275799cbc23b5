/**
 * An ONNX model run by onnxruntime-node as a frozen dkl teacher. dkl's NHWC float32 batch is
 * normalised as the model expects (config), transposed to NCHW when the model's input is, and
 * fed in chunks of at most the model's batch size (a fixed batch dim pads the last chunk); the
 * requested outputs come back as tfjs tensors. Reads the input synchronously (`dataSync`).
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError, ShapeError, type ModelOutput } from '@dkl/core';
import { FrozenClassifier, type FrozenClassifierOptions } from './frozen-classifier.js';
import { formatShape } from './shape-checks.js';
import type { OnnxSession, OnnxValueInfo } from './onnx-session.js';

export interface OnnxClassifierOptions extends FrozenClassifierOptions {
  readonly inputLayout: 'nchw' | 'nhwc';
  /** Per-channel `(x - mean) / std` applied to dkl's input before the model. */
  readonly normalize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
  readonly input: string;
  readonly logits: string;
  readonly features: Readonly<Record<string, string>>;
  /** Rows per run (a fixed batch dim of the model, or the configured limit). */
  readonly chunk?: number;
  /** The model's batch dim is fixed at `chunk`: the last chunk is padded. */
  readonly fixedBatch: boolean;
}

export class OnnxClassifier extends FrozenClassifier {
  private readonly outputNames: readonly string[];

  constructor(
    private readonly session: OnnxSession,
    private readonly options: OnnxClassifierOptions,
  ) {
    super(options);
    this.outputNames = [options.logits, ...Object.values(options.features)];
  }

  /** The model's inputs and outputs, as onnxruntime reports them. */
  get signature(): { inputs: readonly OnnxValueInfo[]; outputs: readonly OnnxValueInfo[] } {
    return { inputs: this.session.inputs, outputs: this.session.outputs };
  }

  countParams(): number {
    return 0;
  }

  protected inferenceOnly(): string {
    return `ONNX model ${this.name} runs in inference mode only (it is a frozen teacher)`;
  }

  protected run(x: tf.Tensor): ModelOutput {
    const [h, w, c] = this.inputShape;
    const batch = x.shape[0]!;
    const { normalize, inputLayout } = this.options;
    const prepared = tf.tidy(() => {
      let t = x;
      if (normalize) t = t.sub(tf.tensor1d(normalize.mean as number[])).div(tf.tensor1d(normalize.std as number[]));
      return inputLayout === 'nchw' ? t.transpose([0, 3, 1, 2]) : t.clone();
    });
    const data = prepared.dataSync() as Float32Array;
    const dims = prepared.shape;
    prepared.dispose();
    const perRow = h * w * c;
    const chunk = this.options.chunk ?? batch;
    const pieces: Record<string, { data: Float32Array; dims: readonly number[] }[]> = Object.fromEntries(this.outputNames.map((n) => [n, []]));
    for (let start = 0; start < batch; start += chunk) {
      const rows = Math.min(chunk, batch - start);
      const fed = this.options.fixedBatch ? chunk : rows;
      const slice = new Float32Array(fed * perRow);
      slice.set(data.subarray(start * perRow, (start + rows) * perRow));
      const out = this.session.run(this.options.input, slice, [fed, ...dims.slice(1)], this.outputNames);
      for (const name of this.outputNames) {
        const { data: values, dims: outDims } = out[name]!;
        if (outDims[0] !== fed) throw new ShapeError(`${this.name} output '${name}'`, `batch ${fed} first`, [...outDims]);
        const per = values.length / fed;
        pieces[name]!.push({ data: values.subarray(0, rows * per), dims: [rows, ...outDims.slice(1)] });
      }
    }
    const assemble = (name: string): tf.Tensor => {
      const parts = pieces[name]!;
      const total = new Float32Array(parts.reduce((a, p) => a + p.data.length, 0));
      let offset = 0;
      for (const p of parts) {
        total.set(p.data, offset);
        offset += p.data.length;
      }
      return tf.tensor(total, [batch, ...parts[0]!.dims.slice(1)], 'float32');
    };
    const logits = assemble(this.options.logits);
    if (logits.rank !== 2 || logits.shape[1] !== this.numClasses) {
      const shape = logits.shape;
      logits.dispose();
      throw new ConfigError('model', `ONNX model ${this.name}: output '${this.options.logits}' expected [batch, ${this.numClasses}] logits, found ${formatShape(shape)}`);
    }
    const features = Object.fromEntries(Object.entries(this.options.features).map(([feature, output]) => [feature, assemble(output)]));
    return { logits, features };
  }

  protected release(): void {
    this.session.dispose();
  }
}
