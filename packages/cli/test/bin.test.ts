import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ENTRY = resolve(__dirname, '../bin/dkl.mjs');
const run = (entry: string, args: string[]) =>
  spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', env: { ...process.env, DKL_BACKEND: 'cpu' }, timeout: 60_000 });

describe('the dkl bin entry', () => {
  it('is the committed, executable file package.json links, not a build output', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '../package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ dkl: './bin/dkl.mjs' });
    expect(pkg.files).toContain('bin');
    expect(statSync(ENTRY).mode & 0o111).toBe(0o111);
    expect(readFileSync(ENTRY, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('says "run npm run build first" when the CLI is not built', () => {
    const root = mkdtempSync(join(tmpdir(), 'dkl-bin-'));
    mkdirSync(join(root, 'bin'));
    copyFileSync(ENTRY, join(root, 'bin', 'dkl.mjs')); // no ../dist beside it
    const result = run(join(root, 'bin', 'dkl.mjs'), ['presets']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/not built yet: run npm run build first/);
    expect(result.stderr).not.toMatch(/at .*\(|ERR_MODULE_NOT_FOUND/); // no stack trace
  });

  it('--version prints every dkl package, tfjs, node and the backend a run would use', () => {
    for (const flag of ['--version', '-V']) {
      const result = run(ENTRY, [flag]);
      expect(result.status, result.stderr).toBe(0);
      const version = JSON.parse(readFileSync(resolve(__dirname, '../package.json'), 'utf8')).version as string;
      expect(result.stdout).toMatch(new RegExp(`^@dkl/cli +${version.replace(/\./g, '\\.')}$`, 'm'));
      for (const name of ['core', 'losses', 'data', 'models', 'trainers', 'callbacks', 'attacks']) expect(result.stdout).toMatch(new RegExp(`^@dkl/${name} +\\d+\\.\\d+\\.\\d+$`, 'm'));
      expect(result.stdout).toMatch(/^@tensorflow\/tfjs +4\.\d+\.\d+$/m);
      expect(result.stdout).toMatch(new RegExp(`^node +${process.versions.node.replace(/\./g, '\\.')}$`, 'm'));
      expect(result.stdout).toMatch(/^backend cpu \(forced\): @tensorflow\/tfjs-backend-cpu/m); // DKL_BACKEND=cpu honoured
      expect(result.stderr).not.toMatch(/Hi there|tfjs-node/);
    }
  });

  it('a closed stdout pipe (dkl presets | head) ends quietly with exit 0', () => {
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${ENTRY}" presets | head -n 1`], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.stderr).not.toMatch(/EPIPE/);
  });
});
