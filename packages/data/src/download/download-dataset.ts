/**
 * Downloads a dataset into the cache: one lock per dataset, every file resumed after a dropped
 * connection, checked against its published MD5 before use, extracted into a temporary directory
 * that is renamed into place only when complete. A corrupt or truncated file is deleted and the
 * error names it, the URL and both checksums.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ArgumentError, DataError } from '@dkl/core';
import { DATASET_DOWNLOADS, type DownloadSpec } from './catalog.js';
import { fileDigest } from './checksum.js';
import { defaultDataDir } from './data-dir.js';
import { extractTarGz } from './extract-archive.js';
import { fetchToPart, IncompleteDownloadError, type DownloadProgress } from './fetch-file.js';
import { acquireLock } from './lock-file.js';

/** Written last into a dataset directory; its presence means the download is complete. */
export const DOWNLOAD_MANIFEST = '.dkl-download.json';

/** Options of {@link downloadDataset}. */
export interface DownloadOptions {
  /** Cache root (default {@link defaultDataDir}: `DKL_DATA_DIR` or the user's cache dir). */
  readonly dir?: string;
  /** Mirror base URL replacing the official one (default `DKL_DATA_MIRROR`); file names are appended. */
  readonly url?: string;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Called when another process holds the dataset's lock and this one waits. */
  readonly onWait?: (ownerPid: string) => void;
  /** Resumed attempts after a dropped connection, per file (default 5). */
  readonly retries?: number;
  /** Lock wait timeout in ms (default 2 h). */
  readonly lockTimeoutMs?: number;
}

/** Where a downloaded dataset lives. */
export interface DownloadResult {
  readonly name: string;
  /** `<cache root>/<name>`: the extracted archive(s) or the raw files. */
  readonly dir: string;
  /** False when the cache already held it. */
  readonly downloaded: boolean;
}

/** The spec registered under `name`; unknown names list the known ones. */
export function downloadSpec(name: string): DownloadSpec {
  const spec = DATASET_DOWNLOADS[name];
  if (!spec) throw new ArgumentError('name', `no download for dataset '${name}' (downloadable: ${Object.keys(DATASET_DOWNLOADS).join(', ')})`);
  return spec;
}

/** True when `<root>/<name>` holds a completed download. */
export function isDownloaded(name: string, root: string = defaultDataDir()): boolean {
  return existsSync(join(root, name, DOWNLOAD_MANIFEST));
}

function baseUrlOf(spec: DownloadSpec, mirror: string | undefined): string {
  const base = mirror || spec.baseUrl;
  return base.endsWith('/') ? base : `${base}/`;
}

async function fetchVerified(url: string, part: string, md5: string, options: DownloadOptions, file: string): Promise<void> {
  const retries = options.retries ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      await fetchToPart(url, part, options.onProgress, file);
      break;
    } catch (error) {
      if (!(error instanceof IncompleteDownloadError) || attempt >= retries) {
        if (error instanceof IncompleteDownloadError) throw new DataError(url, `${error.message}; gave up after ${retries + 1} attempts (the partial file ${part} is kept and resumed next time)`, { cause: error });
        throw error;
      }
    }
  }
  const actual = await fileDigest(part, 'md5');
  if (actual !== md5) {
    await rm(part, { force: true });
    throw new DataError(url, `checksum mismatch: md5 ${actual}, expected ${md5}; the corrupt or truncated download was deleted`);
  }
}

/**
 * Downloads dataset `name` (`cifar10`, `cifar100`, `mnist`, `fashion-mnist`) or a custom `spec`
 * into the cache, unless already there. Safe to run from several processes at once.
 */
export async function downloadDataset(name: string | DownloadSpec, options: DownloadOptions = {}): Promise<DownloadResult> {
  const spec = typeof name === 'string' ? downloadSpec(name) : name;
  const root = options.dir ?? defaultDataDir();
  const target = join(root, spec.name);
  if (isDownloaded(spec.name, root)) return { name: spec.name, dir: target, downloaded: false };
  const partials = join(root, '.downloads');
  await mkdir(partials, { recursive: true });
  const release = await acquireLock(join(root, `.${spec.name}.lock`), {
    ...(options.onWait ? { onWait: options.onWait } : {}),
    ...(options.lockTimeoutMs !== undefined ? { timeoutMs: options.lockTimeoutMs } : {}),
  });
  const temp = join(root, `.tmp-${spec.name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    // Another process may have finished while we waited for the lock.
    if (isDownloaded(spec.name, root)) return { name: spec.name, dir: target, downloaded: false };
    const base = baseUrlOf(spec, options.url ?? process.env['DKL_DATA_MIRROR']);
    await mkdir(temp);
    for (const file of spec.files) {
      const url = base + file.name;
      const part = join(partials, `${spec.name}-${file.name}.part`);
      await fetchVerified(url, part, file.md5, options, file.name);
      if (spec.extract === 'tar.gz') {
        try {
          await extractTarGz(part, temp, url);
        } catch (error) {
          await rm(part, { force: true });
          throw error;
        }
        await rm(part, { force: true });
      } else {
        await rename(part, join(temp, file.name));
      }
    }
    const manifest = { name: spec.name, baseUrl: base, files: spec.files, completedAt: new Date().toISOString() };
    await writeFile(join(temp, DOWNLOAD_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(target, { recursive: true, force: true }); // an interrupted manual copy, never a complete download
    await rename(temp, target);
    return { name: spec.name, dir: target, downloaded: true };
  } finally {
    await rm(temp, { recursive: true, force: true });
    await release();
  }
}
