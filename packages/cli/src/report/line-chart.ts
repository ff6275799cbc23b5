/**
 * Inline SVG line charts for the HTML reports. Non-finite values (NaN, Infinity) break a line
 * into segments; points with no finite neighbour are drawn as dots, so a one-epoch run still
 * shows its values.
 */
import { escapeHtml } from './html.js';
import { finiteExtent, formatTick, linear, niceScale } from './scale.js';

/** One line: `[x, y]` points (any order; sorted by x). */
export interface ChartSeries {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** CSS colour; default from the palette by index. */
  readonly color?: string;
  readonly dashed?: boolean;
  /** A shaded band around the line, `[x, low, high]` per point (e.g. min-max or ± std over seeds). */
  readonly band?: ReadonlyArray<readonly [number, number, number]>;
}

export interface LineChartOptions {
  /** Identifies the chart in the document (`data-chart`). */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  readonly width?: number;
  readonly height?: number;
  /** Integer x ticks (epochs); default true. */
  readonly integerX?: boolean;
}

/** Tableau-10 colours: distinct, readable on white. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'] as const;

const f = (v: number): string => (Math.round(v * 100) / 100).toString();

/** Splits points into runs of consecutive finite values. */
export function finiteSegments(points: ReadonlyArray<readonly [number, number]>): Array<Array<readonly [number, number]>> {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const segments: Array<Array<readonly [number, number]>> = [];
  let current: Array<readonly [number, number]> = [];
  for (const p of sorted) {
    if (Number.isFinite(p[0]) && Number.isFinite(p[1])) current.push(p);
    else if (current.length > 0) {
      segments.push(current);
      current = [];
    }
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

/** Runs of consecutive band points with finite x, low and high (at least two, to enclose an area). */
function finiteBands(band: ReadonlyArray<readonly [number, number, number]>): Array<Array<readonly [number, number, number]>> {
  const sorted = [...band].sort((a, b) => a[0] - b[0]);
  const out: Array<Array<readonly [number, number, number]>> = [];
  let current: Array<readonly [number, number, number]> = [];
  for (const b of sorted) {
    if (b.every(Number.isFinite)) current.push(b);
    else {
      if (current.length > 1) out.push(current);
      current = [];
    }
  }
  if (current.length > 1) out.push(current);
  return out;
}

/** Legend rows laid out left to right, wrapping at `width`. */
function legendLayout(series: readonly ChartSeries[], width: number, left: number): { items: Array<{ x: number; row: number }>; rows: number } {
  const items: Array<{ x: number; row: number }> = [];
  let x = left;
  let row = 0;
  for (const s of series) {
    const w = 26 + Math.min(s.name.length, 48) * 6.6;
    if (x + w > width - 8 && x > left) {
      row++;
      x = left;
    }
    items.push({ x, row });
    x += w + 12;
  }
  return { items, rows: series.length > 0 ? row + 1 : 0 };
}

/** Renders an `<svg>` line chart with axes, ticks, grid, legend and a title. */
export function lineChartSvg(options: LineChartOptions): string {
  const width = options.width ?? 560;
  const plotHeight = options.height ?? 260;
  const m = { left: 64, right: 16, top: 34, bottom: 46 };
  const legend = legendLayout(options.series, width, m.left);
  const legendHeight = legend.rows * 18 + (legend.rows > 0 ? 6 : 0);
  const height = m.top + plotHeight + m.bottom + legendHeight;
  const x0 = m.left;
  const x1 = width - m.right;
  const y0 = m.top + plotHeight;
  const y1 = m.top;
  const id = escapeHtml(options.id);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${id}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="${x0}" y="20" font-size="14" font-weight="600" fill="#222">${escapeHtml(options.title)}</text>`,
  );
  const xs = finiteExtent(options.series.flatMap((s) => s.points.filter((p) => Number.isFinite(p[1])).map((p) => p[0])));
  const ys = finiteExtent([
    ...options.series.flatMap((s) => s.points.filter((p) => Number.isFinite(p[0])).map((p) => p[1])),
    ...options.series.flatMap((s) => (s.band ?? []).filter((b) => Number.isFinite(b[0])).flatMap((b) => [b[1], b[2]])),
  ]);
  parts.push(`<rect class="frame" x="${x0}" y="${y1}" width="${x1 - x0}" height="${y0 - y1}" fill="none" stroke="#999" stroke-width="1"/>`);
  if (!xs || !ys) {
    parts.push(`<text class="empty" x="${f((x0 + x1) / 2)}" y="${f((y0 + y1) / 2)}" text-anchor="middle" font-size="13" fill="#777">no data</text>`, '</svg>');
    return parts.join('');
  }
  const xScale = niceScale(xs[0], xs[1], 8, options.integerX ?? true);
  const yScale = niceScale(ys[0], ys[1], 5);
  const sx = linear(xScale.min, xScale.max, x0, x1);
  const sy = linear(yScale.min, yScale.max, y0, y1);
  parts.push('<g class="axis y-axis" font-size="11" fill="#444">');
  for (const t of yScale.ticks) {
    const y = f(sy(t));
    parts.push(
      `<line class="grid" x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="#e6e6e6"/>`,
      `<text class="tick" x="${x0 - 6}" y="${y}" dy="0.32em" text-anchor="end">${formatTick(t, yScale.step)}</text>`,
    );
  }
  parts.push('</g><g class="axis x-axis" font-size="11" fill="#444">');
  for (const t of xScale.ticks) {
    const x = f(sx(t));
    parts.push(
      `<line class="tick-mark" x1="${x}" x2="${x}" y1="${y0}" y2="${y0 + 5}" stroke="#999"/>`,
      `<text class="tick" x="${x}" y="${y0 + 18}" text-anchor="middle">${formatTick(t, xScale.step)}</text>`,
    );
  }
  parts.push('</g>');
  parts.push(
    `<text class="axis-label" x="${f((x0 + x1) / 2)}" y="${y0 + 36}" text-anchor="middle" font-size="12" fill="#333">${escapeHtml(options.xLabel)}</text>`,
    `<text class="axis-label" transform="translate(14 ${f((y0 + y1) / 2)}) rotate(-90)" text-anchor="middle" font-size="12" fill="#333">${escapeHtml(options.yLabel)}</text>`,
  );
  options.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    parts.push(`<g class="series-group" data-series="${escapeHtml(s.name)}">`);
    for (const band of finiteBands(s.band ?? [])) {
      const upper = band.map(([bx, , hi], k) => `${k === 0 ? 'M' : 'L'}${f(sx(bx))} ${f(sy(hi))}`).join('');
      const lower = [...band].reverse().map(([bx, lo]) => `L${f(sx(bx))} ${f(sy(lo))}`).join('');
      parts.push(`<path class="band" d="${upper}${lower}Z" fill="${color}" fill-opacity="0.18" stroke="none"/>`);
    }
    for (const segment of finiteSegments(s.points)) {
      if (segment.length === 1) {
        const [px, py] = segment[0]!;
        parts.push(`<circle class="point" cx="${f(sx(px))}" cy="${f(sy(py))}" r="3.5" fill="${color}"/>`);
      } else {
        const d = segment.map(([px, py], k) => `${k === 0 ? 'M' : 'L'}${f(sx(px))} ${f(sy(py))}`).join('');
        parts.push(`<path class="series" d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
      }
    }
    parts.push('</g>');
  });
  parts.push('<g class="legend" font-size="11" fill="#333">');
  options.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const item = legend.items[i]!;
    const y = y0 + m.bottom + 4 + item.row * 18;
    const dash = s.dashed ? ' stroke-dasharray="4 3"' : '';
    parts.push(
      `<line x1="${f(item.x)}" x2="${f(item.x + 20)}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="3"${dash}/>`,
      `<text x="${f(item.x + 26)}" y="${y}" dy="0.32em">${escapeHtml(s.name.length > 48 ? `${s.name.slice(0, 47)}…` : s.name)}</text>`,
    );
  });
  parts.push('</g></svg>');
  return parts.join('');
}
