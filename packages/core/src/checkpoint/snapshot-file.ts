/**
 * The checkpoint container: one file holding a JSON header and the raw bytes of every tensor.
 *
 *   "DKLCKPT1" | uint32 LE header length | header JSON (UTF-8) | tensor bytes...
 *
 * Tensors are referenced from the header by name with dtype, shape, byte offset and length; the
 * header also holds the SHA-256 of the tensor bytes, so a damaged file is refused instead of
 * restoring wrong numbers. Files are written to a temporary name and renamed, so a crash never
 * leaves a half-written file under the final name.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../errors.js';
import { faultPoint } from '../testing/fault-points.js';

const MAGIC = 'DKLCKPT1';

export interface TensorEntry {
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly shape: readonly number[];
  readonly offset: number;
  readonly byteLength: number;
}

export interface SnapshotFile<M> {
  /** Arbitrary JSON metadata (epoch, step, config, plugin JSON...). */
  readonly meta: M;
  /** Named tensors; the caller owns them (dispose after use). */
  readonly tensors: Record<string, tf.Tensor>;
}

function bytesOf(tensor: tf.Tensor): Uint8Array {
  const values = tensor.dataSync() as Float32Array | Int32Array | Uint8Array;
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Serialises meta + tensors to the container format. */
export function encodeSnapshot(meta: unknown, tensors: Readonly<Record<string, tf.Tensor>>): Buffer {
  const entries: Record<string, TensorEntry> = {};
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    if (tensor.dtype !== 'float32' && tensor.dtype !== 'int32' && tensor.dtype !== 'bool') {
      throw new CheckpointError('(memory)', `tensor '${name}' has unsupported dtype ${tensor.dtype}`);
    }
    const bytes = bytesOf(tensor);
    entries[name] = { dtype: tensor.dtype, shape: [...tensor.shape], offset, byteLength: bytes.byteLength };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  const sha256 = chunks.reduce((hash, chunk) => hash.update(chunk), createHash('sha256')).digest('hex');
  const header = Buffer.from(JSON.stringify({ meta, tensors: entries, sha256 }), 'utf8');
  const prefix = Buffer.alloc(MAGIC.length + 4);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(header.byteLength, MAGIC.length);
  return Buffer.concat([prefix, header, ...chunks]);
}

/** Parses the container format; every inconsistency is an error naming `file`. */
export function decodeSnapshot<M>(buffer: Buffer, file = '(memory)'): SnapshotFile<M> {
  if (buffer.byteLength < MAGIC.length + 4 || buffer.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new CheckpointError(file, `is not a dkl checkpoint (missing ${MAGIC} header)`);
  }
  const headerLength = buffer.readUInt32LE(MAGIC.length);
  const dataStart = MAGIC.length + 4 + headerLength;
  if (dataStart > buffer.byteLength) throw new CheckpointError(file, `is truncated: header needs ${dataStart} bytes, file has ${buffer.byteLength}`);
  let header: { meta: M; tensors: Record<string, TensorEntry>; sha256?: string };
  try {
    header = JSON.parse(buffer.toString('utf8', MAGIC.length + 4, dataStart));
  } catch (error) {
    throw new CheckpointError(file, 'has a corrupt header', { cause: error });
  }
  for (const [name, entry] of Object.entries(header.tensors)) {
    const end = dataStart + entry.offset + entry.byteLength;
    if (end > buffer.byteLength) throw new CheckpointError(file, `is truncated: tensor '${name}' ends at byte ${end}, file has ${buffer.byteLength}`);
  }
  // Files written before checksums existed have none; every newer file is verified.
  if (header.sha256 !== undefined) {
    const actual = createHash('sha256').update(buffer.subarray(dataStart)).digest('hex');
    if (actual !== header.sha256) throw new CheckpointError(file, `is damaged: its tensor bytes have SHA-256 ${actual}, the header recorded ${header.sha256}`);
  }
  const tensors: Record<string, tf.Tensor> = {};
  try {
    for (const [name, entry] of Object.entries(header.tensors)) {
      const start = dataStart + entry.offset;
      const copy = new Uint8Array(entry.byteLength);
      copy.set(buffer.subarray(start, start + entry.byteLength));
      const values =
        entry.dtype === 'float32' ? new Float32Array(copy.buffer) : entry.dtype === 'int32' ? new Int32Array(copy.buffer) : copy;
      const size = entry.shape.reduce((a, b) => a * b, 1);
      if (values.length !== size) throw new CheckpointError(file, `tensor '${name}' has ${values.length} values for shape [${entry.shape.join(', ')}]`);
      tensors[name] = tf.tensor(values, [...entry.shape], entry.dtype);
    }
  } catch (error) {
    tf.dispose(Object.values(tensors));
    throw error;
  }
  return { meta: header.meta, tensors };
}

/** A hidden sibling with a unique name: same file system (rename is atomic), no clash between writers. */
export function temporarySibling(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`);
}

/**
 * Writes `data` to `file` atomically: temp file in the same directory, fsync, rename. Any failure
 * (ENOSPC, EACCES...) is a CheckpointError naming `file`; the temp file is removed and whatever
 * `file` held before is left untouched.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = temporarySibling(file);
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    faultPoint('write', file);
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    faultPoint('rename', file);
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new CheckpointError(file, `could not be written: ${(error as Error).message}`, { cause: error });
  }
}

export async function writeSnapshotFile(file: string, meta: unknown, tensors: Readonly<Record<string, tf.Tensor>>): Promise<void> {
  await writeFileAtomic(file, encodeSnapshot(meta, tensors));
}

export async function readSnapshotFile<M>(file: string): Promise<SnapshotFile<M>> {
  let buffer: Buffer;
  try {
    buffer = await fs.readFile(file);
  } catch (error) {
    throw new CheckpointError(file, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  return decodeSnapshot<M>(buffer, file);
}
