/** The comparison report: several runs' curves overlaid and a table of final metrics. */
import type { EpochRecord } from '@dkl/trainers';
import { htmlDocument } from './document.js';
import { escapeHtml, formatDuration, formatMetric } from './html.js';
import { bestFinite, evalSplits, lastFinite, meanFinite } from './history-series.js';
import { lineChartSvg, PALETTE, type ChartSeries } from './line-chart.js';
import type { RunReportData } from './report-data.js';

const top1Of = (split: string) => (r: EpochRecord) => r.eval?.[split]?.['top1'];
const top5Of = (split: string) => (r: EpochRecord) => r.eval?.[split]?.['top5'];

/** Eval top-1 (%) of every run and split; one colour per run, one dash style per split. */
export function comparisonSeries(runs: readonly RunReportData[]): ChartSeries[] {
  const splits = [...new Set(runs.flatMap((r) => evalSplits(r.history)))];
  return runs.flatMap((run, i) =>
    evalSplits(run.history).map((split) => ({
      name: splits.length > 1 ? `${run.name} (${split})` : run.name,
      color: PALETTE[i % PALETTE.length]!,
      dashed: splits.indexOf(split) > 0,
      points: run.history.filter((r) => r.eval?.[split] !== undefined).map((r) => [r.epoch, (r.eval[split]!['top1'] ?? NaN) * 100] as const),
    })),
  );
}

/**
 * A self-contained HTML report comparing `runs`: overlaid evaluation top-1 and train-loss curves,
 * and a table with each run's status, epochs, final / best top-1, final top-5, wall time and speed.
 */
export function renderComparisonReport(runs: readonly RunReportData[]): string {
  const splits = [...new Set(runs.flatMap((r) => evalSplits(r.history)))];
  const header = ['run', 'status', 'epochs', 'train top-1', ...splits.flatMap((s) => [`${s} top-1`, `${s} best top-1`, `${s} top-5`]), 'wall time', 'images/s'];
  const rows = runs.map((run) => {
    const h = run.history;
    const cells = [
      escapeHtml(run.name),
      `<span class="status status-${escapeHtml(run.status)}">${escapeHtml(run.status)}</span>`,
      String(h.at(-1)?.epoch ?? 0),
      formatMetric('top1', lastFinite(h, (r) => r.train['top1'])),
      ...splits.flatMap((s) => [formatMetric('top1', lastFinite(h, top1Of(s))), formatMetric('top1', bestFinite(h, top1Of(s))), formatMetric('top5', lastFinite(h, top5Of(s)))]),
      escapeHtml(formatDuration(run.wallTimeMs)),
      meanFinite(h, (r) => r.train['imagesPerSecond'])?.toFixed(1) ?? '–',
    ];
    return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
  });
  const lossSeries: ChartSeries[] = runs.map((run, i) => ({
    name: run.name,
    color: PALETTE[i % PALETTE.length]!,
    points: run.history.map((r) => [r.epoch, r.train['total'] ?? NaN] as const),
  }));
  const backends = [...new Set(runs.map((r) => r.backend))];
  const body = [
    `<header><h1>dkl comparison: ${runs.length} run${runs.length === 1 ? '' : 's'}</h1><p>${escapeHtml(runs.map((r) => r.name).join(', ') || 'no runs')}</p></header>`,
    '<h2>Final metrics</h2>',
    `<table class="comparison"><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`,
    '<h2>Curves</h2>',
    '<div class="charts">',
    `<figure>${lineChartSvg({ id: 'eval-top1', title: 'Evaluation top-1', xLabel: 'epoch', yLabel: 'top-1 (%)', series: comparisonSeries(runs) })}</figure>`,
    `<figure>${lineChartSvg({ id: 'train-loss', title: 'Train loss (total)', xLabel: 'epoch', yLabel: 'loss', series: lossSeries })}</figure>`,
    '</div>',
    `<h2>Backend${backends.length === 1 ? '' : 's'}</h2>`,
    `<ul>${backends.map((b) => `<li><code>${escapeHtml(b)}</code></li>`).join('')}</ul>`,
  ].join('\n');
  return htmlDocument('dkl comparison report', body);
}
