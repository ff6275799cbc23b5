import type { EpochRecord } from '@dkl/trainers';
import { Command } from 'commander';
import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { CommandContribution, loadCommandContributions } from '../src/commands/command-contribution.js';
import { cellTable, meanStd, renderGroupedComparisonReport, summarizeGroups, type RunGroup, type RunReportData } from '../src/report/index.js';

/** A run whose test top-1 is `top1[e - 1]` at epoch e; `setupMs` of its `wallTimeMs` went to the teacher. */
function run(name: string, top1: number[], wallTimeMs: number, setupMs: number): RunReportData {
  const history: EpochRecord[] = top1.map((t, i) => ({ epoch: i + 1, learningRate: 0.1, train: { total: 1 / (i + 1) }, eval: { test: { top1: t, loss: 1 - t } }, durationMs: 10 }));
  return { name, status: 'completed', config: {}, backend: 'cpu', startedAt: '2026-01-01T00:00:00Z', wallTimeMs, setupMs, history, summary: { 'test.top1': top1.at(-1)!, 'test.loss': 1 - top1.at(-1)! } };
}

const groups: RunGroup[] = [
  { label: 'lr=0.1, T=1', parameters: { lr: 0.1, T: 1 }, runs: [run('a0', [0.5, 0.6], 5000, 1000), run('a1', [0.5, 0.8], 7000, 1000)] },
  { label: 'lr=0.1, T=4', parameters: { lr: 0.1, T: 4 }, runs: [run('b0', [0.4, 0.9], 6000, 2000)] },
  { label: 'lr=0.2, T=1', parameters: { lr: 0.2, T: 1 }, runs: [run('c0', [0.3, 0.5], 6000, 2000), { ...run('c1', [0.2, 0.1], 6000, 2000), status: 'failed' }] },
];

describe('grouped comparison report', () => {
  it('summarises each cell over its completed runs: mean ± sample std of final metrics, student time apart from the teacher', () => {
    const m = meanStd([0.6, 0.8, NaN]);
    expect(m.n).toBe(2);
    expect(m.mean).toBeCloseTo(0.7, 12);
    expect(m.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(meanStd([NaN])).toMatchObject({ n: 0 });
    const [a, b, c] = summarizeGroups(groups);
    expect(a!.metrics['test.top1']!.mean).toBeCloseTo(0.7, 12);
    expect(a!.metrics['test.top1']!.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(a!.studentMs).toEqual({ mean: 5000, std: Math.sqrt(2e6), n: 2 });
    expect(a!.setupMs).toEqual({ mean: 1000, std: 0, n: 2 });
    expect(b!.metrics['test.top1']).toEqual({ mean: 0.9, std: 0, n: 1 });
    expect(c).toMatchObject({ runs: 2, completed: 1 });
    const table = cellTable([a!, b!, c!]);
    expect(table.header).toEqual(['cell', 'runs', 'test.top1', 'test.loss', 'student time', 'teacher + setup']);
    expect(table.rows[0]).toEqual(['lr=0.1, T=1', '2/2', '70.00% ± 14.14', '0.3 ± 0.1414', '5.0 ± 1.4 s', '1.0 ± 0.0 s']);
    expect(table.rows[2]![1]).toBe('1/2');
  });

  it('draws one mean curve per cell with its min-max band, the table, and a heat map over the two varied parameters', () => {
    const html = renderGroupedComparisonReport(groups);
    const evalChart = html.slice(html.indexOf('data-chart="eval-top1-test"'), html.indexOf('</svg>', html.indexOf('data-chart="eval-top1-test"')));
    expect((evalChart.match(/class="series-group"/g) ?? []).length).toBe(3);
    // The band of a cell with two runs encloses both: 4 corners for 2 epochs; a single-run cell has a flat band.
    expect((evalChart.match(/class="band"/g) ?? []).length).toBe(3);
    expect(html).toContain('<td>lr=0.1, T=1</td><td>2/2</td><td>70.00% ± 14.14</td>');
    expect(html).toContain('data-chart="parameter-heatmap"');
    const heat = html.slice(html.indexOf('data-chart="parameter-heatmap"'), html.indexOf('</svg>', html.indexOf('data-chart="parameter-heatmap"')));
    // Rows lr (0.1, 0.2), columns T (1, 4): the missing (0.2, 4) cell is grey.
    expect((heat.match(/class="cell"/g) ?? []).length).toBe(3);
    expect((heat.match(/class="cell nan"/g) ?? []).length).toBe(1);
    expect(heat).toContain('>lr</text>');
    expect(heat).toContain('>T</text>');
    const one = renderGroupedComparisonReport([groups[0]!]);
    expect(one).not.toContain('parameter-heatmap');
  });
});

describe('command contributions', () => {
  it('registers the commands of installed packages, skips packages that are not installed, names a package without commandsModule', async () => {
    const seen: string[] = [];
    const commandsModule = new ContainerModule(({ bind }) => {
      bind<CommandContribution>(CommandContribution).toConstantValue({ source: 'x', register: (p) => void p.command('hello').action(() => void seen.push('hello')), schemas: () => ({ thing: { type: 'object' } }) });
    });
    const importer = async (specifier: string): Promise<Record<string, unknown>> => {
      if (specifier === '@x/cmds/commands') return { commandsModule };
      if (specifier === '@x/empty/commands') return {};
      throw Object.assign(new Error(`Cannot find package '${specifier.split('/').slice(0, 2).join('/')}'`), { code: 'ERR_MODULE_NOT_FOUND' });
    };
    const contributions = await loadCommandContributions(['@x/cmds', '@x/missing'], importer);
    expect(contributions).toHaveLength(1);
    expect(contributions[0]!.schemas!()).toEqual({ thing: { type: 'object' } });
    const program = new Command('dkl');
    contributions[0]!.register(program, { common: () => ({ runsDir: 'runs', cacheDir: '.cache', progress: false }) });
    await program.parseAsync(['node', 'dkl', 'hello']);
    expect(seen).toEqual(['hello']);
    await expect(loadCommandContributions(['@x/empty'], importer)).rejects.toThrow(/package '@x\/empty' has no inversify ContainerModule export 'commandsModule'/);
  });
});
