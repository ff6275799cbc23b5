/** The per-run HTML report. */
import { htmlDocument } from './document.js';
import { heatmapSvg } from './heatmap.js';
import { escapeHtml, formatDuration, formatMetric, prettyJson } from './html.js';
import { accuracySeries, evalSplits, learningRateSeries, lossSeries, meanFinite, throughputSeries } from './history-series.js';
import { lineChartSvg } from './line-chart.js';
import type { RunReportData } from './report-data.js';

const figure = (svg: string, caption?: string): string => `<figure>${svg}${caption ? `<figcaption class="note">${escapeHtml(caption)}</figcaption>` : ''}</figure>`;

/** Headline metrics: `data.summary`, else the last epoch's eval metrics as `<split>.<metric>`. */
export function headlineMetrics(data: RunReportData): Record<string, number> {
  if (data.summary && Object.keys(data.summary).length > 0) return { ...data.summary };
  const out: Record<string, number> = {};
  const last = data.history.at(-1);
  for (const [split, metrics] of Object.entries(last?.eval ?? {})) for (const [k, v] of Object.entries(metrics)) out[`${split}.${k}`] = v;
  if (last?.train['top1'] !== undefined) out['train.top1'] = last.train['top1'];
  return out;
}

function statusBadge(status: string): string {
  return `<span class="status status-${escapeHtml(status)}">${escapeHtml(status)}</span>`;
}

function summaryTable(metrics: Record<string, number>): string {
  const rows = Object.entries(metrics).map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td>${escapeHtml(formatMetric(k, v))}</td></tr>`);
  return rows.length === 0 ? '<p class="note">No metrics recorded.</p>' : `<table class="summary"><thead><tr><th>metric</th><th>value</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The run's charts (loss, accuracy, learning rate, images/s) as `<figure>`s. */
export function runCharts(data: RunReportData): string[] {
  const h = data.history;
  return [
    figure(lineChartSvg({ id: 'loss', title: 'Loss', xLabel: 'epoch', yLabel: 'loss', series: lossSeries(h) }), 'Train total and loss terms (epoch means); dashed: evaluation loss.'),
    figure(lineChartSvg({ id: 'accuracy', title: 'Accuracy', xLabel: 'epoch', yLabel: 'accuracy (%)', series: accuracySeries(h) }), 'Train top-1 and each evaluation split’s top-1 / top-5 (dashed).'),
    figure(lineChartSvg({ id: 'learning-rate', title: 'Learning rate', xLabel: 'epoch', yLabel: 'learning rate', series: learningRateSeries(h) })),
    figure(lineChartSvg({ id: 'throughput', title: 'Training throughput', xLabel: 'epoch', yLabel: 'images / s', series: throughputSeries(h) })),
  ];
}

/**
 * A self-contained HTML report of one run: status, wall time, backend, headline metrics, loss /
 * accuracy / learning-rate / throughput curves as inline SVG, the IKL class prior as a heat map
 * (when the run had one) and the resolved config.
 */
export function renderRunReport(data: RunReportData): string {
  const h = data.history;
  const lastEpoch = h.at(-1)?.epoch;
  const meanSpeed = meanFinite(h, (r) => r.train['imagesPerSecond']);
  const meta: Array<[string, string]> = [
    ['status', statusBadge(data.status)],
    ['started', escapeHtml(data.startedAt)],
    ['wall time', escapeHtml(formatDuration(data.wallTimeMs))],
    ['epochs completed', lastEpoch === undefined ? '0' : String(lastEpoch)],
    ['evaluation splits', escapeHtml(evalSplits(h).join(', ') || 'none')],
    ['mean images/s', meanSpeed === undefined ? '–' : meanSpeed.toFixed(1)],
    ['backend', escapeHtml(data.backend)],
  ];
  const sections: string[] = [
    `<header><h1>${escapeHtml(data.name)}</h1><p>dkl run report</p></header>`,
    `<dl class="meta">${meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd class="meta-${escapeHtml(k.replace(/\W+/g, '-'))}">${v}</dd>`).join('')}</dl>`,
  ];
  if (data.error) sections.push(`<h2>Error</h2><div class="error">${escapeHtml(data.error)}</div>`);
  sections.push('<h2>Final metrics</h2>', summaryTable(headlineMetrics(data)));
  sections.push('<h2>Curves</h2>', h.length === 0 ? '<p class="note">No completed epochs yet.</p>' : '', `<div class="charts">${runCharts(data).join('')}</div>`);
  if (data.classPrior) {
    const C = data.classPrior.matrix.length;
    sections.push(
      '<h2>IKL class prior</h2>',
      `<p class="note">Row c: mean softmax over the training samples of class c in the last epoch (${C} x ${C}).</p>`,
      figure(heatmapSvg(data.classPrior.matrix, { id: 'class-prior', title: 'Class prior (row = true class)', labels: data.classPrior.classNames })),
    );
  }
  sections.push('<h2>Config</h2>', `<pre class="config"><code>${prettyJson(data.config)}</code></pre>`);
  return htmlDocument(`dkl run ${data.name}`, sections.join('\n'));
}
