import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@dkl/core';
import { afterAll, describe, expect, it } from 'vitest';
import { expandCells, planSweep, setKeyPath, sweepFileJsonSchema } from '../src/index.js';
import { dkl, tinyBase, writeSweep } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'dkl-sweep-plan-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('planning a sweep', () => {
  it('expands the grid times the seeds in file order, with stable ids that follow the config and the threads', async () => {
    const file = writeSweep(join(root, 'grid'), { name: 'grid', parameters: { 'optimizer.weightDecay': { grid: [5e-4, 1e-3] }, 'schedule.lr': { grid: [0.05, 0.1, 0.2] } }, seeds: [0, 1] });
    const plan = await planSweep(file);
    expect(plan.trials).toHaveLength(12);
    expect(plan.dir).toBe(join(root, 'grid', 'runs', 'grid'));
    expect(plan.trials.map((t) => [t.config.optimizer.weightDecay, (t.config.schedule as { lr: number }).lr, t.config.seed])).toEqual(
      [5e-4, 1e-3].flatMap((wd) => [0.05, 0.1, 0.2].flatMap((lr) => [0, 1].map((seed) => [wd, lr, seed]))),
    );
    expect(new Set(plan.trials.map((t) => t.id)).size).toBe(12);
    expect(plan.trials[0]!.cellLabel).toBe('weightDecay=0.0005, lr=0.05');
    expect(plan.trials.every((t) => t.config.name === 'grid')).toBe(true);
    // Same file, same ids; a changed thread count changes every id (the numbers may differ).
    expect((await planSweep(file)).trials.map((t) => t.id)).toEqual(plan.trials.map((t) => t.id));
    const threaded = writeSweep(join(root, 'grid2'), { name: 'grid', parameters: { 'optimizer.weightDecay': { grid: [5e-4, 1e-3] }, 'schedule.lr': { grid: [0.05, 0.1, 0.2] } }, seeds: [0, 1], threads: 2 });
    const ids2 = (await planSweep(threaded)).trials.map((t) => t.id);
    expect(ids2.filter((id) => plan.trials.some((t) => t.id === id))).toEqual([]);
  });

  it('draws random parameters with the seeded sampler: reproducible, inside their ranges, trials draws per grid cell', () => {
    const sweep = {
      parameters: {
        'trainer.epochs': { grid: [1, 2] },
        'schedule.lr': { random: { logUniform: [0.001, 0.1] as [number, number] } },
        'optimizer.momentum': { random: { uniform: [0.5, 0.9] as [number, number] } },
        'data.train.batchSize': { random: { choice: [8, 16] } },
      },
      trials: 5,
      samplerSeed: 3,
    };
    const a = expandCells(sweep);
    expect(a).toHaveLength(10);
    expect(expandCells(sweep)).toEqual(a);
    expect(expandCells({ ...sweep, samplerSeed: 4 })).not.toEqual(a);
    for (const cell of a) {
      const lr = cell.values['schedule.lr'] as number;
      expect(lr).toBeGreaterThanOrEqual(0.001);
      expect(lr).toBeLessThanOrEqual(0.1);
      const m = cell.values['optimizer.momentum'] as number;
      expect(m).toBeGreaterThanOrEqual(0.5);
      expect(m).toBeLessThanOrEqual(0.9);
      expect([8, 16]).toContain(cell.values['data.train.batchSize']);
    }
    expect(new Set(a.map((c) => c.values['schedule.lr'])).size).toBe(10);
    expect(a.slice(0, 5).every((c) => c.values['trainer.epochs'] === 1)).toBe(true);
  });

  it('sets key paths through objects and list items, and names a missing parent', () => {
    const config = { trainer: { losses: [{ name: 'kd', options: { temperature: 4 } }] } };
    expect(setKeyPath(config, 'trainer.losses.0.options.temperature', 2)).toEqual({ trainer: { losses: [{ name: 'kd', options: { temperature: 2 } }] } });
    expect(setKeyPath(config, 'trainer.losses[0].options.temperature', 3)).toEqual({ trainer: { losses: [{ name: 'kd', options: { temperature: 3 } }] } });
    expect(config.trainer.losses[0]!.options.temperature).toBe(4);
    expect(() => setKeyPath(config, 'trainer.lossez.0.weight', 1)).toThrow(/config key 'trainer.lossez.0.weight': unknown key path: the config has no 'trainer.lossez'/);
    expect(() => setKeyPath(config, 'trainer.losses.3.weight', 1)).toThrow(ConfigError);
  });

  it('refuses a bad key path or value naming the trial and key path, before anything runs', async () => {
    const unknown = writeSweep(join(root, 'bad1'), { name: 'bad1', parameters: { 'optimizer.weightDecy': { grid: [1e-3] } } });
    await expect(planSweep(unknown)).rejects.toMatchObject({ keyPath: 'optimizer.weightDecy', message: expect.stringMatching(/unknown key path.*trial 0 \(weightDecy=0\.001, seed 0\)/) });
    const value = writeSweep(join(root, 'bad2'), { name: 'bad2', parameters: { 'schedule.lr': { grid: [0.1, -1] } } });
    await expect(planSweep(value)).rejects.toMatchObject({ keyPath: 'schedule.lr', message: expect.stringMatching(/trial 1 \(lr=-1, seed 0\)/) });
    const labels = writeSweep(join(root, 'bad3'), { name: 'bad3', parameters: { 'schedule.lr': { grid: [0.1, 0.2], labels: ['a'] } } });
    await expect(planSweep(labels)).rejects.toMatchObject({ keyPath: 'parameters.schedule.lr.labels' });
    // The registries too (dry-run validation): an unknown loss option of a distillation trial.
    const kd = { ...tinyBase(), models: { student: { name: 'tiny_cnn' }, teacher: { name: 'tiny_cnn' }, teacherTraining: { epochs: 1, optimizer: { name: 'sgd' }, schedule: { name: 'constant', lr: 0.05 } } }, trainer: { type: 'distillation', epochs: 1, losses: [{ name: 'kd', options: { temperature: 4 } }] } };
    const option = writeSweep(join(root, 'bad4'), { name: 'bad4', parameters: { 'trainer.losses.0.options.temprature': { grid: [2] } } }, kd);
    await expect(planSweep(option)).rejects.toThrow(/temprature.*trial 0/);
  });
});

describe('dkl sweep plan and dkl schema (real processes)', () => {
  it('prints the trial table; a malformed sweep file and an unknown key path exit with code 2 naming the key path', async () => {
    const good = writeSweep(join(root, 'cli'), { name: 'cli', parameters: { 'schedule.lr': { grid: [0.05, 0.1] } }, seeds: [0, 1] });
    const plan = await dkl(['sweep', 'plan', good]);
    expect(plan.code, plan.stderr).toBe(0);
    const rows = plan.stdout.trim().split('\n').slice(3);
    expect(rows).toHaveLength(4);
    expect(rows[3]).toMatch(/^3\s+[0-9a-f]{16}\s+0\.1\s+1$/);

    const malformed = join(root, 'cli', 'malformed.yaml');
    writeFileSync(malformed, 'name: m\nbase: base.yaml\nseeds: zero\n');
    const bad = await dkl(['sweep', 'plan', malformed]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/config key 'seeds'/);
    const unparsable = join(root, 'cli', 'unparsable.yaml');
    writeFileSync(unparsable, 'name: m\nparameters: [\n');
    expect((await dkl(['sweep', 'plan', unparsable])).code).toBe(2);

    const unknown = writeSweep(join(root, 'cli'), { name: 'unknown', parameters: { 'optimiser.weightDecay': { grid: [1e-3] } } });
    const missing = await dkl(['sweep', 'plan', unknown]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/config key 'optimiser\.weightDecay': unknown key path/);
  });

  it('dkl schema holds the sweep file schema next to the run config schema', async () => {
    const all = await dkl(['schema']);
    expect(all.code, all.stderr).toBe(0);
    const schema = JSON.parse(all.stdout) as { properties: Record<string, unknown>; $defs: Record<string, { properties: Record<string, unknown> }> };
    expect(schema.properties).toHaveProperty('trainer');
    expect(Object.keys(schema.$defs['sweep']!.properties)).toEqual(expect.arrayContaining(['name', 'base', 'parameters', 'seeds', 'threads', 'trials']));
    const sweep = await dkl(['schema', 'sweep']);
    expect(JSON.parse(sweep.stdout)).toEqual(sweepFileJsonSchema());
    expect(readFileSync(join(root, 'cli', 'cli.yaml'), 'utf8')).toContain('schedule.lr');
  });
});
