/**
 * HTTP(S) GET of one file into `<target>.part`, resuming a partial file with an HTTP Range request.
 * A connection that ends before the announced length leaves the partial file in place for the
 * next attempt; the caller verifies the checksum of the finished file.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { stat, truncate } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { DataError } from '@dkl/core';

/** A progress report while a file downloads. */
export interface DownloadProgress {
  readonly file: string;
  /** Bytes of the file on disk so far (including a resumed part). */
  readonly received: number;
  /** Total size when the server announced it. */
  readonly total: number | undefined;
  /** Average rate of this attempt in bytes per second. */
  readonly bytesPerSecond: number;
  /** Bytes already on disk when this attempt started (> 0: resumed). */
  readonly resumedFrom: number;
}

/** Thrown when the connection ends early; the partial file stays for a resumed attempt. */
export class IncompleteDownloadError extends DataError {}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function request(url: string, headers: Record<string, string>, redirects = 5): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const get = url.startsWith('https:') ? httpsGet : url.startsWith('http:') ? httpGet : undefined;
    if (!get) return reject(new DataError(url, 'only http:// and https:// URLs can be downloaded'));
    const req = get(url, { headers: { 'user-agent': 'dkl-data', ...headers } }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (redirects === 0) return reject(new DataError(url, 'too many redirects'));
        return resolve(request(new URL(res.headers.location, url).toString(), headers, redirects - 1));
      }
      resolve(res);
    });
    req.on('error', (error) => reject(new IncompleteDownloadError(url, `request failed: ${error.message}`, { cause: error })));
  });
}

/**
 * Downloads `url` into `partPath`, continuing from its current size when the server honours
 * `Range`. Resolves once the body has been fully written; rejects with
 * {@link IncompleteDownloadError} when the connection ends early.
 */
export async function fetchToPart(url: string, partPath: string, onProgress?: (p: DownloadProgress) => void, file = url): Promise<void> {
  let start = await sizeOf(partPath);
  const res = await request(url, start > 0 ? { range: `bytes=${start}-` } : {});
  const status = res.statusCode ?? 0;
  if (status === 416 && start > 0) {
    // The part already holds the whole file (or more): let the checksum decide.
    res.resume();
    return;
  }
  if (status === 200 && start > 0) {
    await truncate(partPath, 0); // the server ignored Range: start over
    start = 0;
  } else if (status === 206) {
    const range = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
    if (!range || Number(range[1]) !== start) {
      res.resume();
      await truncate(partPath, 0);
      throw new IncompleteDownloadError(url, `server answered Range ${start}- with '${String(res.headers['content-range'])}'; restarting from 0`);
    }
  } else if (status !== 200) {
    res.resume();
    throw new DataError(url, `HTTP ${status} ${res.statusMessage ?? ''}`.trim());
  }
  const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : undefined;
  const total = length !== undefined ? start + length : undefined;
  const began = Date.now();
  let received = start;
  let lastReport = 0;
  const out = createWriteStream(partPath, { flags: start > 0 ? 'a' : 'w' });
  const report = (): void => onProgress?.({ file, received, total, bytesPerSecond: ((received - start) * 1000) / Math.max(1, Date.now() - began), resumedFrom: start });
  try {
    await new Promise<void>((resolve, reject) => {
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (Date.now() - lastReport >= 100) {
          lastReport = Date.now();
          report();
        }
      });
      res.on('aborted', () => reject(new IncompleteDownloadError(url, `connection closed after ${received} of ${total ?? '?'} bytes`)));
      res.on('error', (error) => reject(new IncompleteDownloadError(url, `connection failed after ${received} bytes: ${error.message}`, { cause: error })));
      out.on('error', reject);
      res.pipe(out);
      out.on('finish', resolve);
    });
  } finally {
    // Flush what arrived before a drop so the part's size on disk is what the next attempt resumes from.
    if (!out.closed) {
      out.end();
      await once(out, 'close').catch(() => undefined);
    }
  }
  report();
  const onDisk = await sizeOf(partPath);
  if (total !== undefined && onDisk < total) throw new IncompleteDownloadError(url, `connection closed after ${onDisk} of ${total} bytes`);
}
