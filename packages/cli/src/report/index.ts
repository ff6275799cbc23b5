/** Self-contained HTML reports (inline SVG charts, no network) of one run or several. */
export type { RunReportData } from './report-data.js';
export { renderRunReport, runCharts, headlineMetrics } from './run-report.js';
export { renderComparisonReport, comparisonSeries } from './comparison-report.js';
export {
  renderGroupedComparisonReport,
  summarizeGroups,
  cellTable,
  groupedSeries,
  finalMetrics,
  meanStd,
  formatMeanStd,
  defaultMetricKeys,
  type RunGroup,
  type CellSummary,
  type MeanStd,
} from './grouped-comparison.js';
export { lineChartSvg, finiteSegments, PALETTE, type ChartSeries, type LineChartOptions } from './line-chart.js';
export { heatmapSvg, viridis, type HeatmapOptions } from './heatmap.js';
export { niceScale, formatTick, type NiceScale } from './scale.js';
export { escapeHtml, formatDuration, formatMetric } from './html.js';
