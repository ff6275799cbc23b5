import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const here = resolve(__dirname, '..');

describe('experiments (smoke: one seed, a few batches)', () => {
  it('every suite runs through the CLI and the results script turns it into tables and plots', () => {
    const out = mkdtempSync(join(tmpdir(), 'dkl-exp-'));
    // Two sweep workers: the smoke trials are mostly process start-up, which one core does alone.
    const run = spawnSync(process.execPath, [join(here, 'run.mjs'), 'all', '--smoke', '--workers', '2', '--out', out], { encoding: 'utf8', env: { ...process.env }, timeout: 1_500_000 });
    expect(run.status, run.stderr).toBe(0);
    for (const suite of ['kd', 'dkl-vs-kl', 'distill', 'at']) {
      const results = JSON.parse(readFileSync(join(out, `${suite}.json`), 'utf8'));
      expect(results.results.every((r: { status: string }) => r.status === 'completed')).toBe(true);
    }
    // Claim 1 (DKL has KL's gradients), asserted rather than printed: same seed, same bits.
    const dvk = JSON.parse(readFileSync(join(out, 'dkl-vs-kl.json'), 'utf8'));
    const byMethod = (method: string) => dvk.results.filter((r: { method: string }) => r.method === method);
    expect(byMethod('kl').length).toBeGreaterThan(0);
    expect(byMethod('dkl').length).toBe(byMethod('kl').length);
    for (const kl of byMethod('kl')) {
      const dkl = byMethod('dkl').find((r: { seed: number }) => r.seed === kl.seed);
      expect(kl.history.length).toBeGreaterThan(0);
      expect(dkl.history.map((h: { eval: unknown }) => h.eval)).toEqual(kl.history.map((h: { eval: unknown }) => h.eval));
    }
    const at = JSON.parse(readFileSync(join(out, 'at.json'), 'utf8'));
    expect(at.results[0].pgd.robust_pgd).toBeLessThanOrEqual(at.results[0].pgd.clean_attacked_subset);
    const tables = spawnSync(process.execPath, [join(here, 'results.mjs'), '--in', out, '--img', join(out, 'img')], { encoding: 'utf8' });
    expect(tables.status, tables.stderr).toBe(0);
    expect(tables.stdout).toMatch(/\| ikl \| \d+\.\d\d ± 0\.00/);
    expect(tables.stdout).toMatch(/Largest test-loss difference/);
    expect(tables.stdout).toMatch(/\| kdsvd \| \d+\.\d\d ± 0\.00/);
    expect(existsSync(join(out, 'img', 'at-test-top1.svg'))).toBe(true);
  });
});
