/**
 * Reads `torch.save` zip archives (PyTorch >= 1.6) without Python: unzip with fflate, unpickle
 * `<archive>/data.pkl` with our reader, and resolve tensors lazily onto `<archive>/data/<key>`.
 */
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { CheckpointError } from '@dkl/core';
import { PickleError, PyGlobal, PyObject, unpickle } from './pickle.js';
import { STORAGE_DTYPES, TorchStorage, TorchTensor } from './torch-tensor.js';

/** The parsed pickle root; dicts are Maps, tensors TorchTensor instances. */
export interface TorchCheckpoint {
  readonly file: string;
  readonly root: unknown;
}

const isZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

/** Parses the torch.save file at `file`; throws CheckpointError naming the file on any problem. */
export function readTorchCheckpoint(file: string): TorchCheckpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new CheckpointError(file, `cannot read file: ${(error as Error).message}`, { cause: error });
  }
  if (!isZip(bytes)) {
    if (bytes[0] === 0x80 && bytes[1] !== undefined && bytes[1] <= 5) {
      throw new CheckpointError(file, 'is a legacy (pre-1.6, non-zip) torch.save file, which is not supported; re-save it with torch >= 1.6');
    }
    throw new CheckpointError(file, 'is not a PyTorch checkpoint (expected a torch.save zip archive, file does not start with a zip header)');
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw new CheckpointError(file, `is a corrupt or truncated zip archive: ${(error as Error).message}`, { cause: error });
  }
  const pklName = Object.keys(entries).find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (!pklName) {
    throw new CheckpointError(file, `zip archive has no data.pkl entry, so it is not a torch.save file (entries: ${Object.keys(entries).slice(0, 5).join(', ')})`);
  }
  const prefix = pklName.slice(0, pklName.length - 'data.pkl'.length);
  const byteorder = entries[`${prefix}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw new CheckpointError(file, 'stores big-endian tensors, which are not supported');
  }
  const storages = new Map<string, TorchStorage>();
  let root: unknown;
  try {
    root = unpickle(entries[pklName]!, {
      persistentLoad(pid) {
        if (!Array.isArray(pid) || pid[0] !== 'storage') throw new PickleError(`unsupported persistent id ${JSON.stringify(pid)}`);
        const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
        const typeName = type instanceof PyGlobal ? type.name : String(type);
        const dtype = STORAGE_DTYPES[typeName];
        if (!dtype) throw new PickleError(`unsupported storage type ${typeName}`);
        const k = String(key);
        let storage = storages.get(k);
        if (!storage) {
          const entry = `${prefix}data/${k}`;
          storage = new TorchStorage(dtype, k, Number(numel), () => {
            const data = entries[entry];
            if (!data) throw new CheckpointError(file, `storage entry '${entry}' is missing from the archive`);
            return data;
          });
          storages.set(k, storage);
        }
        return storage;
      },
      reduce(fn, args) {
        if (fn.module === 'torch._utils' && fn.name === '_rebuild_tensor_v2') {
          const [storage, offset, size, stride] = args as [unknown, number, number[], number[]];
          if (!(storage instanceof TorchStorage)) throw new PickleError('_rebuild_tensor_v2 without a storage');
          return new TorchTensor(storage, offset, size, stride);
        }
        if (fn.module === 'torch._utils' && (fn.name === '_rebuild_parameter' || fn.name === '_rebuild_parameter_with_state')) {
          return args[0];
        }
        return undefined;
      },
    });
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    throw new CheckpointError(file, `cannot parse data.pkl: ${(error as Error).message}`, { cause: error });
  }
  return { file, root };
}

const WRAPPER_KEYS = ['state_dict', 'model', 'net', 'model_state_dict', 'module'] as const;

function tensorEntries(value: unknown): Map<string, TorchTensor> | null {
  if (!(value instanceof Map)) return null;
  const out = new Map<string, TorchTensor>();
  for (const [k, v] of value) if (typeof k === 'string' && v instanceof TorchTensor) out.set(k, v);
  return out.size > 0 ? out : null;
}

/**
 * Finds the state dict in a checkpoint: the root itself, or the root's `key` (or the first of
 * state_dict / model / net / model_state_dict / module holding tensors); strips DataParallel's
 * `module.` prefix.
 */
export function extractStateDict(checkpoint: TorchCheckpoint, key?: string): Map<string, TorchTensor> {
  const { root, file } = checkpoint;
  if (root instanceof PyObject) {
    throw new CheckpointError(
      file,
      `holds a pickled ${root.cls.qualifiedName} object rather than a state dict; save model.state_dict() instead`,
    );
  }
  if (!(root instanceof Map)) throw new CheckpointError(file, `top-level object is not a dict (got ${typeof root})`);
  let dict: Map<string, TorchTensor> | null;
  if (key !== undefined) {
    dict = tensorEntries(root.get(key));
    if (!dict) throw new CheckpointError(file, `has no state dict under key '${key}' (top-level keys: ${[...root.keys()].map(String).join(', ')})`);
  } else {
    dict = null;
    for (const k of WRAPPER_KEYS) {
      dict = tensorEntries(root.get(k));
      if (dict) break;
    }
    dict ??= tensorEntries(root);
    if (!dict) {
      throw new CheckpointError(
        file,
        `contains no state dict (no tensors at the top level nor under ${WRAPPER_KEYS.join('/')}; top-level keys: ${[...root.keys()].map(String).join(', ')})`,
      );
    }
  }
  const allPrefixed = [...dict.keys()].every((k) => k.startsWith('module.'));
  if (!allPrefixed) return dict;
  return new Map([...dict].map(([k, v]) => [k.slice('module.'.length), v]));
}
