/**
 * The grouped comparison report: runs grouped by parameter cell (the seeds of one setting), one
 * mean curve per cell with a min-max band over its seeds, a table of mean ± std per cell, the
 * teacher / setup time apart from the student's, and a heat map of the final metric over two
 * swept parameters. Used by `dkl sweep report` and the quick start.
 */
import type { EpochRecord } from '@dkl/trainers';
import { htmlDocument } from './document.js';
import { heatmapSvg } from './heatmap.js';
import { escapeHtml, formatDuration, formatMetric } from './html.js';
import { evalSplits } from './history-series.js';
import { lineChartSvg, PALETTE, type ChartSeries } from './line-chart.js';
import type { RunReportData } from './report-data.js';

/** The runs of one parameter cell. */
export interface RunGroup {
  /** How the cell is shown, e.g. `lr=0.05, T=4`. */
  readonly label: string;
  /** The swept parameters of the cell (key path -> value, or a display label). */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly runs: readonly RunReportData[];
}

/** Mean and sample standard deviation of the finite values (`n` of them). */
export interface MeanStd { readonly mean: number; readonly std: number; readonly n: number }

/** One row of the per-cell table. */
export interface CellSummary {
  readonly label: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly runs: number;
  readonly completed: number;
  /** Final metrics (`test.top1`...) over the cell's completed runs. */
  readonly metrics: Readonly<Record<string, MeanStd>>;
  /** Student training time (wall time minus setup). */
  readonly studentMs: MeanStd;
  /** Teacher training or loading and data preparation. */
  readonly setupMs: MeanStd;
}

/** Mean and sample std (n - 1) of the finite values; NaN mean when there are none. */
export function meanStd(values: readonly number[]): MeanStd {
  const v = values.filter(Number.isFinite);
  const mean = v.length ? v.reduce((a, x) => a + x, 0) / v.length : NaN;
  const std = v.length > 1 ? Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / (v.length - 1)) : 0;
  return { mean, std, n: v.length };
}

/** `91.20% ± 0.35` for accuracies (std in points), `0.3412 ± 0.0100` otherwise, `–` with no values. */
export function formatMeanStd(key: string, m: MeanStd): string {
  if (m.n === 0) return '–';
  const accuracy = /(^|\.)top\d+$/.test(key);
  const scale = accuracy ? 100 : 1;
  const mean = formatMetric(key, m.mean);
  return m.n > 1 ? `${mean} ± ${(m.std * scale).toFixed(accuracy ? 2 : 4)}` : mean;
}

/** A run's final metrics (`split.metric` of its last epoch). */
export function finalMetrics(run: RunReportData): Record<string, number> {
  if (run.summary) return { ...run.summary };
  const out: Record<string, number> = {};
  for (const [split, metrics] of Object.entries(run.history.at(-1)?.eval ?? {})) for (const [k, v] of Object.entries(metrics)) out[`${split}.${k}`] = v;
  return out;
}

/** Per-cell summaries: final metrics, student time and setup time over the completed runs. */
export function summarizeGroups(groups: readonly RunGroup[]): CellSummary[] {
  return groups.map((group) => {
    const done = group.runs.filter((r) => r.status === 'completed');
    const finals = done.map(finalMetrics);
    const keys = [...new Set(finals.flatMap((m) => Object.keys(m)))];
    const metrics = Object.fromEntries(keys.map((k) => [k, meanStd(finals.map((m) => m[k] ?? NaN))]));
    return {
      label: group.label,
      parameters: group.parameters,
      runs: group.runs.length,
      completed: done.length,
      metrics,
      studentMs: meanStd(done.map((r) => r.wallTimeMs - (r.setupMs ?? 0))),
      setupMs: meanStd(done.map((r) => r.setupMs ?? NaN)),
    };
  });
}

/** Header and rows of the per-cell table (what `dkl sweep report` prints and the HTML shows). */
export function cellTable(summaries: readonly CellSummary[], metricKeys = defaultMetricKeys(summaries)): { header: string[]; rows: string[][] } {
  const header = ['cell', 'runs', ...metricKeys, 'student time', 'teacher + setup'];
  const seconds = (m: MeanStd) => (m.n === 0 ? '–' : m.n > 1 ? `${(m.mean / 1000).toFixed(1)} ± ${(m.std / 1000).toFixed(1)} s` : `${(m.mean / 1000).toFixed(1)} s`);
  const rows = summaries.map((s) => [s.label, `${s.completed}/${s.runs}`, ...metricKeys.map((k) => formatMeanStd(k, s.metrics[k] ?? meanStd([]))), seconds(s.studentMs), seconds(s.setupMs)]);
  return { header, rows };
}

/** Final metrics to tabulate: every split's top-1, top-5 and loss, in first-seen order. */
export function defaultMetricKeys(summaries: readonly CellSummary[]): string[] {
  const keys = [...new Set(summaries.flatMap((s) => Object.keys(s.metrics)))];
  return keys.filter((k) => /\.(top1|top5|loss)$/.test(k));
}

/** Per epoch: mean, min and max of `value` over the runs that have it. */
function cellCurve(runs: readonly RunReportData[], value: (r: EpochRecord) => number | undefined): { points: Array<[number, number]>; band: Array<[number, number, number]> } {
  const byEpoch = new Map<number, number[]>();
  for (const run of runs) {
    for (const r of run.history) {
      const v = value(r);
      if (v !== undefined && Number.isFinite(v)) (byEpoch.get(r.epoch) ?? byEpoch.set(r.epoch, []).get(r.epoch)!).push(v);
    }
  }
  const epochs = [...byEpoch.keys()].sort((a, b) => a - b);
  return {
    points: epochs.map((e) => [e, meanStd(byEpoch.get(e)!).mean]),
    band: epochs.map((e) => [e, Math.min(...byEpoch.get(e)!), Math.max(...byEpoch.get(e)!)]),
  };
}

/** One series per cell: mean evaluation top-1 (%) of `split` with its min-max band. */
export function groupedSeries(groups: readonly RunGroup[], value: (r: EpochRecord) => number | undefined): ChartSeries[] {
  return groups.map((group, i) => {
    const curve = cellCurve(group.runs, value);
    return { name: group.label, color: PALETTE[i % PALETTE.length]!, points: curve.points, band: curve.band };
  });
}

/** The swept parameters that vary between cells, in first-seen order. */
function variedParameters(groups: readonly RunGroup[]): string[] {
  const keys = [...new Set(groups.flatMap((g) => Object.keys(g.parameters)))];
  return keys.filter((k) => new Set(groups.map((g) => JSON.stringify(g.parameters[k]))).size > 1);
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** Heat map of a final metric's cell mean over the first two varied parameters (rows: first, columns: second). */
function parameterHeatmap(groups: readonly RunGroup[], summaries: readonly CellSummary[], metric: string): string | undefined {
  const [rowKey, colKey] = variedParameters(groups);
  if (!rowKey || !colKey) return undefined;
  const rowValues = [...new Set(groups.map((g) => show(g.parameters[rowKey])))];
  const colValues = [...new Set(groups.map((g) => show(g.parameters[colKey])))];
  const matrix = rowValues.map((rv) =>
    colValues.map((cv) => {
      const cells = summaries.filter((s) => show(s.parameters[rowKey]) === rv && show(s.parameters[colKey]) === cv);
      // Other varied parameters are averaged over (their cells' means).
      return meanStd(cells.map((s) => s.metrics[metric]?.mean ?? NaN)).mean * (/(^|\.)top\d+$/.test(metric) ? 100 : 1);
    }),
  );
  return heatmapSvg(matrix, { id: 'parameter-heatmap', title: `${metric} (cell mean${/top\d+$/.test(metric) ? ', %' : ''})`, labels: rowValues, columnLabels: colValues, yLabel: rowKey, xLabel: colKey, size: 360 });
}

/**
 * A self-contained HTML report of runs grouped by parameter cell: the per-cell table (mean ± std
 * over seeds), mean evaluation top-1 and train-loss curves with min-max bands, and, when two or
 * more parameters vary, a heat map of the first split's final top-1 over the first two.
 */
export function renderGroupedComparisonReport(groups: readonly RunGroup[], options: { title?: string } = {}): string {
  const summaries = summarizeGroups(groups);
  const { header, rows } = cellTable(summaries);
  const runs = groups.flatMap((g) => g.runs);
  const splits = [...new Set(runs.flatMap((r) => evalSplits(r.history)))];
  const first = splits[0];
  const heatmap = first ? parameterHeatmap(groups, summaries, `${first}.top1`) : undefined;
  const evalCharts = splits.map(
    (split) =>
      `<figure>${lineChartSvg({ id: `eval-top1-${split}`, title: `Evaluation top-1 (${split}): cell mean, band min-max over seeds`, xLabel: 'epoch', yLabel: 'top-1 (%)', series: groupedSeries(groups, (r) => (r.eval?.[split]?.['top1'] ?? NaN) * 100) })}</figure>`,
  );
  const backends = [...new Set(runs.map((r) => r.backend))];
  const title = options.title ?? `dkl comparison: ${groups.length} cell${groups.length === 1 ? '' : 's'}, ${runs.length} run${runs.length === 1 ? '' : 's'}`;
  const body = [
    `<header><h1>${escapeHtml(title)}</h1><p>Student time excludes the teacher's training (or loading) and data preparation, shown apart.</p></header>`,
    '<h2>Cells: mean ± std over seeds</h2>',
    `<table class="comparison cells"><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table>`,
    '<h2>Curves</h2>',
    '<div class="charts">',
    ...evalCharts,
    `<figure>${lineChartSvg({ id: 'train-loss', title: 'Train loss (total): cell mean, band min-max over seeds', xLabel: 'epoch', yLabel: 'loss', series: groupedSeries(groups, (r) => r.train['total']) })}</figure>`,
    '</div>',
    ...(heatmap ? ['<h2>Final metric over two parameters</h2>', `<figure>${heatmap}</figure>`] : []),
    `<h2>Backend${backends.length === 1 ? '' : 's'}</h2>`,
    `<ul>${backends.map((b) => `<li><code>${escapeHtml(b)}</code></li>`).join('')}</ul>`,
    '<h2>Runs</h2>',
    `<ul>${groups.flatMap((g) => g.runs.map((r) => `<li>${escapeHtml(g.label)}: <code>${escapeHtml(r.name)}</code> ${escapeHtml(r.status)}, ${escapeHtml(formatDuration(r.wallTimeMs))}</li>`)).join('')}</ul>`,
  ].join('\n');
  return htmlDocument(title, body);
}
