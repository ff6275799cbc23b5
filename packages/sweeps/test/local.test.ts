/** `dkl sweep run` on one machine: real trial processes, a failing trial that blocks nothing, status and report formats. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planSweep, trialDir } from '../src/index.js';
import { dkl, writeSweep } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'dkl-sweep-local-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dkl sweep run (no Redis)', () => {
  it('runs the trials on two workers with one thread each; a diverging trial fails alone with its error and is not retried', async () => {
    const file = writeSweep(join(root, 'nan'), { name: 'nan', parameters: { 'schedule.lr': { grid: [0.05, 1e30] } }, seeds: [0, 1] });
    const plan = await planSweep(file);
    const run = await dkl(['sweep', 'run', file, '--workers', '2']);
    expect(run.code, run.stderr).toBe(1); // some trial failed
    expect(run.stdout).toMatch(/lr=0\.05\s+2\/2/);
    expect(run.stdout).toMatch(/lr=1e\+30\s+0\/2/);
    for (const t of plan.trials) {
      const backend = JSON.parse(readFileSync(join(trialDir(plan.dir, t.id), 'backend.json'), 'utf8')) as { name: string; threads: number };
      expect(backend).toMatchObject({ name: 'dkl-native', threads: 1 });
      const started = run.stderr.split('\n').filter((l) => l.includes(`trial ${t.id} (`) && l.endsWith('started'));
      expect(started).toHaveLength(1);
    }
    const report = await dkl(['sweep', 'report', file, '--format', 'json']);
    expect(report.code, report.stderr).toBe(0);
    const trials = (JSON.parse(report.stdout) as { trials: Array<{ id: string; status: string; parameters: Record<string, unknown>; seed: number; metrics: Record<string, number> }> }).trials;
    expect(trials.map((t) => [t.parameters['schedule.lr'], t.seed, t.status])).toEqual([
      [0.05, 0, 'done'],
      [0.05, 1, 'done'],
      [1e30, 0, 'failed'],
      [1e30, 1, 'failed'],
    ]);
    expect(trials[0]!.metrics['test.top1']).toBeGreaterThan(0);
    expect(trials[2]!.metrics).toEqual({});
    const status = await dkl(['sweep', 'status', file, '--json']);
    const failed = (JSON.parse(status.stdout) as { trials: Array<{ status: string; error?: string }> }).trials.filter((t) => t.status === 'failed');
    expect(failed).toHaveLength(2);
    for (const f of failed) expect(f.error).toMatch(/NaN or Inf/);
    // Running again does only what is not done: the two failed trials, not the completed ones.
    const again = await dkl(['sweep', 'run', file, '--workers', '2']);
    expect(again.stderr).toMatch(/2 trial\(s\) had completed already/);
    const html = readFileSync(join(plan.dir, 'report.html'), 'utf8');
    expect(html).toContain('Cells: mean ± std over seeds');
    expect(html).toContain('teacher + setup');
  });
});
