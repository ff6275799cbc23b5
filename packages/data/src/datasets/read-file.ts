/** File reading that turns fs errors into DataErrors naming the file. */
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataError } from '@dkl/core';

/** Reads `file` fully; a missing or unreadable file is a DataError saying so. */
export async function readBytes(file: string, what: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(file);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? String(error)})`;
    throw new DataError(file, `${reason}; expected ${what}`, { cause: error });
  }
}

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips `bytes` when they are gzip (by magic number, whatever the file name); corrupt gzip is a DataError. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (error) {
    throw new DataError(file, `is not valid gzip (${(error as Error).message}); the download is truncated or corrupt`, { cause: error });
  }
}
