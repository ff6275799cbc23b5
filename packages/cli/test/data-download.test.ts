import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../dist/bin.js');
const dir = mkdtempSync(join(tmpdir(), 'dkl-cli-data-'));
const requests: string[] = [];
const server = createServer((req, res) => {
  requests.push(req.url ?? '');
  const body = Buffer.from('these bytes are not the official CIFAR-10 archive');
  res.writeHead(200, { 'content-length': body.length }).end(body);
});
let mirror = '';

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mirror/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Runs the built CLI asynchronously (the test's HTTP server must keep answering meanwhile). */
function dkl(args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

describe('dkl data download', () => {
  it('verifies the official checksum: a mirror serving other bytes fails with exit 2 and leaves nothing behind', async () => {
    const root = join(dir, 'bad');
    const r = await dkl(['data', 'download', 'cifar10', '--dir', root, '--url', mirror]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`dkl: ${mirror}cifar-10-binary.tar.gz: checksum mismatch`);
    expect(r.stderr).toContain('expected c32a1d4ab5d03f1284b67883e8d87530');
    expect(requests).toContain('/mirror/cifar-10-binary.tar.gz');
    expect(existsSync(join(root, 'cifar10'))).toBe(false);
    expect(readdirSync(join(root, '.downloads'))).toEqual([]);
  });

  it('takes the mirror from DKL_DATA_MIRROR and the cache root from DKL_DATA_DIR', async () => {
    const root = join(dir, 'env');
    const before = requests.length;
    const r = await dkl(['data', 'download', 'cifar10'], { DKL_DATA_DIR: root, DKL_DATA_MIRROR: mirror });
    expect(r.status).toBe(2);
    expect(requests.length).toBe(before + 1);
    expect(existsSync(join(root, '.downloads'))).toBe(true);
  });

  it('reports a dataset already in the cache without fetching', async () => {
    const root = join(dir, 'cached');
    mkdirSync(join(root, 'mnist'), { recursive: true });
    writeFileSync(join(root, 'mnist', '.dkl-download.json'), '{}');
    const before = requests.length;
    const r = await dkl(['data', 'download', 'mnist', '--dir', root, '--url', mirror]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`already cached: mnist in ${join(root, 'mnist')}\n`);
    expect(requests.length).toBe(before);
  });

  it('names the downloadable datasets for an unknown name', async () => {
    const r = await dkl(['data', 'download', 'imagenet', '--dir', join(dir, 'x')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no download for dataset 'imagenet' (downloadable: cifar10, cifar100, mnist, fashion-mnist)");
  });
});
