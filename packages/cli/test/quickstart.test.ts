import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { quickstartCommand, quickstartConfig, resolveConfig } from '../src/index.js';

describe('quick start (the main job), at a smoke-test scale', () => {
  it('configs parse for every student and differ only in the loss terms', () => {
    const configs = ['ce', 'kd', 'dkd', 'ikl'].map((s) => resolveConfig(quickstartConfig(s, 0, 1) as Record<string, unknown>));
    expect(configs.map((c) => c.trainer.losses.map((l) => l.name).join('+'))).toEqual(['ce', 'kd', 'dkd', 'ikl']);
    const strip = (c: (typeof configs)[number]) => ({ ...c, name: '', description: '', trainer: { ...c.trainer, losses: [] } });
    expect(new Set(configs.map((c) => JSON.stringify(strip(c)))).size).toBe(1);
    expect(() => quickstartConfig('mse', 0, 1)).toThrow(/unknown quick-start student 'mse'/);
  });

  it('--precision is recorded in each run config, whose backend.precision is validated', () => {
    expect(resolveConfig(quickstartConfig('ikl', 0, 1, 'bf16') as Record<string, unknown>).backend).toEqual({ precision: 'bf16' });
    expect(resolveConfig(quickstartConfig('ikl', 0, 1) as Record<string, unknown>).backend).toEqual({});
    const bad = { ...quickstartConfig('ce', 0, 1), backend: { precision: 'fp16' } };
    expect(() => resolveConfig(bad as Record<string, unknown>)).toThrow(/config key 'backend\.precision': Invalid option: expected one of "fp32"\|"bf16"/);
  });

  it('trains a cached teacher and students, prints the table and writes the comparison report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-qs-'));
    let printed = '';
    const { runs, comparison, exported } = await quickstartCommand({
      runsDir: join(dir, 'runs'),
      cacheDir: join(dir, 'cache'),
      students: ['ce', 'ikl'],
      seeds: 1,
      scale: 0.02,
      progress: false,
      out: (t) => (printed += `${t}\n`),
      log: () => undefined,
    });
    expect(printed).toMatch(/student \(tiny_cnn\)\s+test top-1 %\s+test top-5 %\s+train time s/);
    expect(printed).toMatch(/\nCE only\s+\d+\.\d\d/);
    expect(printed).toMatch(/\nIKL\s+\d+\.\d\d/);
    expect(runs['ce']![0]!.result.status).toBe('completed');
    expect(existsSync(join(runs['ikl']![0]!.runDir, 'class-prior.json'))).toBe(true);
    expect(readFileSync(comparison, 'utf8')).toContain('<svg');
    expect(exported).toBe(join(dir, 'runs', 'quickstart-ikl-student'));
    expect(JSON.parse(readFileSync(join(exported!, 'model.json'), 'utf8')).userDefinedMetadata.dkl).toMatchObject({ architecture: 'tiny_cnn', inputSize: [32, 32], mean: [0.286, 0.286, 0.286] });
    expect(printed).toContain(`npx dkl predict ${exported} <image files or folder> --top 3`);
  }, 600_000);

  it('--precision bf16 and fp32 in one cache directory train one teacher each, and each run records its precision', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-qs-precision-'));
    const precisionOf = async (precision: 'bf16' | 'fp32') => {
      const { runs } = await quickstartCommand({ runsDir: join(dir, `runs-${precision}`), cacheDir: join(dir, 'cache'), students: ['ce'], seeds: 1, scale: 0.02, precision, progress: false, out: () => undefined, log: () => undefined });
      return (JSON.parse(readFileSync(join(runs['ce']![0]!.runDir, 'backend.json'), 'utf8')) as { precision: string }).precision;
    };
    const inEffect = [await precisionOf('bf16'), await precisionOf('fp32')];
    expect(inEffect[1]).toBe('fp32');
    // bf16 takes effect on dkl-native with AVX512_BF16 (else it runs fp32 and says so): one teacher per precision in effect.
    expect(readdirSync(join(dir, 'cache', 'teachers'))).toHaveLength(new Set(inEffect).size);
  }, 600_000);
});
