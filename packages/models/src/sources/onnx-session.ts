/**
 * A synchronous onnxruntime-node session. `ClassifierModel.forward` is synchronous (a trainer's
 * `prepare` computes teacher logits in one call), and onnxruntime-node's public `session.run` is
 * an async wrapper (a `setImmediate`) around its native binding's synchronous run, so this module
 * talks to that binding directly: the same native calls, without the detour through the event
 * loop. The package is loaded on first use, so @dkl/models works without it installed.
 */
import { createRequire } from 'node:module';
import { ConfigError } from '@dkl/core';

/** Element types the binding reports by number (ONNX TensorProto data types). */
const ONNX_TYPES: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };

/** One input or output of the model: name, element type, dims (-1 or a symbol name when unknown). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

interface OrtTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
  readonly type: string;
}

interface NativeSession {
  loadModel(path: string, options: object): void;
  readonly inputMetadata: readonly RawMetadata[];
  readonly outputMetadata: readonly RawMetadata[];
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, null>, options: object): Record<string, OrtTensor>;
  dispose(): void;
}

interface RawMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type: number;
  readonly shape: readonly number[];
  readonly symbolicDimensions: readonly string[];
}

interface OrtModule {
  Tensor: new (type: string, data: Float32Array, dims: readonly number[]) => OrtTensor;
  listSupportedBackends(): readonly { name: string; bundled: boolean }[];
}

interface Runtime {
  readonly ort: OrtModule;
  readonly binding: { InferenceSession: new () => NativeSession };
}

let runtime: Runtime | undefined;

function loadRuntime(keyPath: string): Runtime {
  if (runtime) return runtime;
  const require = createRequire(import.meta.url);
  try {
    const ort = require('onnxruntime-node') as OrtModule;
    const { binding, initOrt } = require('onnxruntime-node/dist/binding.js') as { binding: Runtime['binding']; initOrt(): void };
    initOrt();
    runtime = { ort, binding };
    return runtime;
  } catch (error) {
    throw new ConfigError(keyPath, `an ONNX model needs the npm package onnxruntime-node (npm install onnxruntime-node): ${(error as Error).message}`, { cause: error });
  }
}

function describe(raw: readonly RawMetadata[]): OnnxValueInfo[] {
  return raw.map((m) => ({
    name: m.name,
    type: m.isTensor ? (ONNX_TYPES[m.type] ?? `type ${m.type}`) : 'non-tensor',
    shape: m.isTensor ? m.shape.map((d, i) => (d >= 0 ? d : (m.symbolicDimensions[i] || -1))) : [],
  }));
}

export interface OnnxSessionOptions {
  readonly device: 'cpu' | 'cuda';
  /** Intra-op threads (default: onnxruntime's choice, every core). */
  readonly threads?: number;
  readonly keyPath: string;
}

/** An open ONNX model: metadata plus a synchronous float32 run. */
export class OnnxSession {
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  private readonly native: NativeSession;
  private readonly ort: OrtModule;

  constructor(
    readonly file: string,
    options: OnnxSessionOptions,
  ) {
    const { ort, binding } = loadRuntime(options.keyPath);
    this.ort = ort;
    if (options.device === 'cuda' && !ort.listSupportedBackends().some((b) => b.name === 'cuda')) {
      throw new ConfigError(`${options.keyPath}.device`, `'cuda' is not offered by this onnxruntime-node build (it offers ${ort.listSupportedBackends().map((b) => b.name).join(', ')})`);
    }
    this.native = new binding.InferenceSession();
    try {
      this.native.loadModel(file, {
        executionProviders: options.device === 'cuda' ? [{ name: 'cuda' }, { name: 'cpu' }] : [{ name: 'cpu' }],
        ...(options.threads ? { intraOpNumThreads: options.threads } : {}),
      });
    } catch (error) {
      throw new ConfigError(`${options.keyPath}.path`, `onnxruntime cannot load ${file}: ${(error as Error).message}`, { cause: error });
    }
    this.inputs = describe(this.native.inputMetadata);
    this.outputs = describe(this.native.outputMetadata);
  }

  /** Runs the model on one float32 input; returns the requested outputs as (data, dims). */
  run(input: string, data: Float32Array, dims: readonly number[], outputs: readonly string[]): Record<string, { data: Float32Array; dims: readonly number[] }> {
    const feeds = { [input]: new this.ort.Tensor('float32', data, dims) };
    const results = this.native.run(feeds, Object.fromEntries(outputs.map((o) => [o, null])), {});
    return Object.fromEntries(outputs.map((o) => [o, { data: results[o]!.data, dims: results[o]!.dims }]));
  }

  dispose(): void {
    this.native.dispose();
  }
}
