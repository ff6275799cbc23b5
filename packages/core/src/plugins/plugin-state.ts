import * as tf from '@tensorflow/tfjs';
import { CheckpointError, PluginError } from '../errors.js';
import type { JsonValue, PluginState, TrainingPlugin } from './training-plugin.js';

/** A tensor as JSON: dtype, shape and little-endian bytes in base64. */
export interface EncodedTensor {
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly shape: number[];
  readonly data: string;
}

export interface EncodedPluginState {
  readonly json: JsonValue;
  readonly tensors: Record<string, EncodedTensor>;
}

/** All plugin states of a run, keyed by `stateKey`. */
export type EncodedPluginStates = Record<string, EncodedPluginState>;

export function encodeTensor(tensor: tf.Tensor): EncodedTensor {
  const dtype = tensor.dtype;
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    throw new CheckpointError('(memory)', `cannot encode a tensor of dtype ${dtype}`);
  }
  const values = tensor.dataSync() as Float32Array | Int32Array | Uint8Array;
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return { dtype, shape: [...tensor.shape], data: bytes.toString('base64') };
}

export function decodeTensor(encoded: EncodedTensor, where = '(memory)'): tf.Tensor {
  const bytes = Buffer.from(encoded.data, 'base64');
  const size = encoded.shape.reduce((a, b) => a * b, 1);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  let values: Float32Array | Int32Array | Uint8Array;
  if (encoded.dtype === 'float32') values = new Float32Array(copy.buffer);
  else if (encoded.dtype === 'int32') values = new Int32Array(copy.buffer);
  else if (encoded.dtype === 'bool') values = copy;
  else throw new CheckpointError(where, `unknown tensor dtype ${String(encoded.dtype)}`);
  if (values.length !== size) {
    throw new CheckpointError(where, `tensor of shape [${encoded.shape.join(', ')}] holds ${values.length} values, expected ${size}`);
  }
  return tf.tensor(values, encoded.shape, encoded.dtype);
}

function stateKeys(plugins: readonly TrainingPlugin[]): Map<string, TrainingPlugin> {
  const byKey = new Map<string, TrainingPlugin>();
  for (const plugin of plugins) {
    if (!plugin.stateKey) continue;
    if (byKey.has(plugin.stateKey)) {
      throw new PluginError(plugin.name, `stateKey '${plugin.stateKey}' is also used by '${byKey.get(plugin.stateKey)!.name}'`);
    }
    byKey.set(plugin.stateKey, plugin);
  }
  return byKey;
}

/** Snapshots every stateful plugin into JSON (tensor data copied). */
export async function savePluginStates(plugins: readonly TrainingPlugin[]): Promise<EncodedPluginStates> {
  const out: EncodedPluginStates = {};
  for (const [key, plugin] of stateKeys(plugins)) {
    if (!plugin.saveState) continue;
    const state = await plugin.saveState();
    const tensors: Record<string, EncodedTensor> = {};
    for (const [name, tensor] of Object.entries(state.tensors ?? {})) tensors[name] = encodeTensor(tensor);
    out[key] = { json: state.json, tensors };
  }
  return out;
}

/**
 * Restores plugin states. A checkpoint state without a plugin to take it, or a stateful plugin
 * missing from the checkpoint, is an error naming the key (set `allowMissing` to permit adding
 * new plugins to a resumed run).
 */
export async function loadPluginStates(
  plugins: readonly TrainingPlugin[],
  states: EncodedPluginStates,
  options: { file?: string; allowMissing?: boolean } = {},
): Promise<void> {
  const file = options.file ?? '(memory)';
  const byKey = stateKeys(plugins);
  for (const key of Object.keys(states)) {
    if (!byKey.has(key)) throw new CheckpointError(file, `holds state for plugin key '${key}', but no loaded plugin has that stateKey`);
  }
  for (const [key, plugin] of byKey) {
    const encoded = states[key];
    if (!encoded) {
      if (options.allowMissing || !plugin.saveState) continue;
      throw new CheckpointError(file, `has no state for plugin '${plugin.name}' (stateKey '${key}')`);
    }
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(encoded.tensors)) tensors[name] = decodeTensor(t, `${file} (${key}.${name})`);
    try {
      await plugin.loadState?.({ json: encoded.json, tensors });
    } finally {
      tf.dispose(Object.values(tensors));
    }
  }
}
