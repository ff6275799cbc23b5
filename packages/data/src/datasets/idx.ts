/**
 * IDX files as distributed for MNIST / Fashion-MNIST (`train-images-idx3-ubyte[.gz]`, ...).
 * Header: two zero bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then each
 * dimension as a big-endian uint32; then the data, row-major. Gzip is detected by magic number.
 */
import { ArgumentError, DataError, type Dataset } from '@dkl/core';
import { ArrayDataset } from './array-dataset.js';
import { maybeGunzip, readBytes } from './read-file.js';

/** A parsed IDX array of unsigned bytes. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Parses an IDX byte array (already gunzipped) named `file` in errors. Only the unsigned-byte type
 * (0x08) used by MNIST is accepted; the data length must match the header exactly.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new DataError(file, `is ${bytes.length} bytes, too short for an IDX header (4 bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(file, `bad IDX magic number 0x${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('')}: the first two bytes must be 0 (not an IDX file, or corrupt)`);
  }
  if (bytes[2] !== 0x08) throw new DataError(file, `IDX data type 0x${bytes[2]!.toString(16).padStart(2, '0')} is not supported; MNIST files use 0x08 (unsigned byte)`);
  const ndim = bytes[3]!;
  if (ndim < 1) throw new DataError(file, 'IDX header declares 0 dimensions');
  const headerSize = 4 + 4 * ndim;
  if (bytes.length < headerSize) throw new DataError(file, `is ${bytes.length} bytes, too short for an IDX header with ${ndim} dimensions (${headerSize} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndim; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerSize;
  if (actual !== expected) {
    throw new DataError(
      file,
      `${actual < expected ? 'truncated' : 'has trailing bytes'}: header dims [${dims.join(', ')}] need ${expected} data bytes, found ${actual}`,
    );
  }
  return { dims, data: bytes.subarray(headerSize) };
}

/** Reads and parses an IDX file, gzip or plain. */
export async function readIdxFile(file: string): Promise<IdxArray> {
  return parseIdx(maybeGunzip(await readBytes(file, 'an IDX file (gzip or plain)'), file), file);
}

/** Options of {@link loadMnistIdx}. */
export interface MnistIdxOptions {
  /** Number of classes; labels must be below it (default 10). */
  readonly numClasses?: number;
  /** Dataset name (default `mnist-idx`). */
  readonly name?: string;
  readonly classNames?: readonly string[];
}

/**
 * Loads an MNIST-style dataset from an IDX image file (`[N, H, W]` or `[N, H, W, C]`) and an IDX
 * label file (`[N]`), each gzip or plain. Checks magic numbers, dimensions, matching counts and
 * label range; errors name the file.
 */
export async function loadMnistIdx(imagesPath: string, labelsPath: string, options: MnistIdxOptions = {}): Promise<Dataset> {
  if (typeof imagesPath !== 'string' || !imagesPath) throw new ArgumentError('imagesPath', 'must be a file path');
  if (typeof labelsPath !== 'string' || !labelsPath) throw new ArgumentError('labelsPath', 'must be a file path');
  const numClasses = options.numClasses ?? 10;
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 256) throw new ArgumentError('options.numClasses', `must be an integer in [1, 256], got ${numClasses}`);
  const [images, labels] = await Promise.all([readIdxFile(imagesPath), readIdxFile(labelsPath)]);
  if (images.dims.length !== 3 && images.dims.length !== 4) {
    throw new DataError(imagesPath, `IDX images must have 3 dims [N, H, W] (or 4 with channels), found [${images.dims.join(', ')}]; is this a label file?`);
  }
  if (labels.dims.length !== 1) throw new DataError(labelsPath, `IDX labels must have 1 dim [N], found [${labels.dims.join(', ')}]; is this an image file?`);
  const n = images.dims[0]!;
  if (labels.dims[0] !== n) throw new DataError(labelsPath, `has ${labels.dims[0]} labels but ${imagesPath} has ${n} images`);
  const [h, w] = [images.dims[1]!, images.dims[2]!];
  const c = images.dims[3] ?? 1;
  if (h === 0 || w === 0 || c === 0) throw new DataError(imagesPath, `has an empty image size [${images.dims.slice(1).join(', ')}]`);
  const lab = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = labels.data[i]!;
    if (l >= numClasses) throw new DataError(labelsPath, `label ${l} at index ${i} is out of range [0, ${numClasses})`);
    lab[i] = l;
  }
  return new ArrayDataset({
    name: options.name ?? 'mnist-idx',
    shape: [h, w, c],
    numClasses,
    images: images.data,
    labels: lab,
    source: imagesPath,
    ...(options.classNames ? { classNames: options.classNames } : {}),
  });
}
