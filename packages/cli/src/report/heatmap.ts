/**
 * The IKL class prior (C x C, row = true class, column = predicted class) as an SVG heat map
 * with a colour scale.
 */
import { escapeHtml } from './html.js';
import { finiteExtent, formatTick, linear, niceScale } from './scale.js';

/** Viridis anchor colours (matplotlib), interpolated linearly. */
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];

/** Compact coordinate: at most 2 decimals, no trailing zeros. */
const f = (v: number): string => (Math.round(v * 100) / 100).toString();

const hex = (n: number): string => Math.round(Math.min(255, Math.max(0, n))).toString(16).padStart(2, '0');

/** Colour of `t` in [0, 1] (clamped) on the viridis scale, as `#rrggbb`. */
export function viridis(t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const w = u - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  return `#${hex(a[0] + (b[0] - a[0]) * w)}${hex(a[1] + (b[1] - a[1]) * w)}${hex(a[2] + (b[2] - a[2]) * w)}`;
}

export interface HeatmapOptions {
  readonly id: string;
  readonly title: string;
  /** Row/column labels (class names); shown when there are at most 20 classes. */
  readonly labels?: readonly string[];
  /** Side of the square plot area in pixels (default 500). */
  readonly size?: number;
  /** Column labels when they differ from the row labels (a sweep's second parameter). */
  readonly columnLabels?: readonly string[];
  /** Axis titles (default: predicted class / true class, the class prior's). */
  readonly xLabel?: string;
  readonly yLabel?: string;
}

/** Renders `matrix` (rows may be ragged; missing and non-finite cells are grey) as an `<svg>`. */
export function heatmapSvg(matrix: ReadonlyArray<ReadonlyArray<number>>, options: HeatmapOptions): string {
  const rows = matrix.length;
  const cols = Math.max(0, ...matrix.map((r) => r.length));
  const id = escapeHtml(options.id);
  const rowLabels = options.labels;
  const colLabels = options.columnLabels ?? options.labels;
  const xLabel = options.xLabel ?? 'predicted class';
  const yLabel = options.yLabel ?? 'true class';
  const showLabels = rowLabels !== undefined && colLabels !== undefined && rows <= 20 && cols <= 20;
  const labelSpace = showLabels ? Math.min(110, 8 + 6.2 * Math.max(...[...rowLabels!, ...colLabels!].map((l) => Math.min(l.length, 16)))) : 0;
  const left = 48 + labelSpace;
  const top = 34;
  const size = options.size ?? 500;
  const cell = rows > 0 && cols > 0 ? Math.max(1, Math.min(32, size / Math.max(rows, cols))) : 0;
  const plotW = cell * cols;
  const plotH = cell * rows;
  const barX = left + Math.max(plotW, 120) + 28;
  const width = barX + 80;
  const height = top + Math.max(plotH, 160) + 52 + (showLabels ? labelSpace : 0);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="heatmap" data-chart="${id}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(options.title)}">`,
    `<rect class="background" x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text class="title" x="${left}" y="20" font-size="14" font-weight="600" fill="#222">${escapeHtml(options.title)}</text>`,
  ];
  const extent = finiteExtent(matrix.flat());
  if (!extent) {
    parts.push(`<text class="empty" x="${left}" y="${top + 40}" font-size="13" fill="#777">no finite values</text></svg>`);
    return parts.join('');
  }
  const [lo, hi] = extent;
  const norm = (v: number) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  const tip = rows * cols <= 900;
  parts.push('<g class="cells" shape-rendering="crispEdges">');
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = matrix[r]![c];
      const finite = v !== undefined && Number.isFinite(v);
      const x = f(left + c * cell);
      const y = f(top + r * cell);
      const where = showLabels ? `${yLabel} ${rowLabels![r] ?? r}, ${xLabel} ${colLabels![c] ?? c}` : `${yLabel} ${r}, ${xLabel} ${c}`;
      const title = tip ? `<title>${escapeHtml(where.replace(/ class /g, ' '))}: ${finite ? v.toPrecision(4) : 'n/a'}</title>` : '';
      const fill = finite ? viridis(norm(v)) : '#cccccc';
      parts.push(`<rect class="cell${finite ? '' : ' nan'}" x="${x}" y="${y}" width="${f(cell)}" height="${f(cell)}" fill="${fill}"${title ? `>${title}</rect>` : '/>'}`);
    }
  }
  parts.push('</g>');
  // Axes: class labels when few classes, otherwise index ticks.
  parts.push('<g class="axis" font-size="10" fill="#444">');
  if (showLabels) {
    rowLabels!.slice(0, rows).forEach((label, r) => {
      parts.push(`<text x="${left - 4}" y="${f(top + (r + 0.5) * cell)}" dy="0.32em" text-anchor="end">${escapeHtml(label.slice(0, 16))}</text>`);
    });
    colLabels!.slice(0, cols).forEach((label, c) => {
      const x = f(left + (c + 0.5) * cell);
      parts.push(`<text transform="translate(${x} ${top + plotH + 4}) rotate(90)" dy="0.32em">${escapeHtml(label.slice(0, 16))}</text>`);
    });
  } else {
    const every = Math.max(1, niceScale(0, Math.max(rows, cols), 5, true).step);
    for (let k = 0; k < Math.max(rows, cols); k += every) {
      if (k < rows) parts.push(`<text class="tick" x="${left - 4}" y="${f(top + (k + 0.5) * cell)}" dy="0.32em" text-anchor="end">${k}</text>`);
      if (k < cols) parts.push(`<text class="tick" x="${f(left + (k + 0.5) * cell)}" y="${top + plotH + 12}" text-anchor="middle">${k}</text>`);
    }
  }
  const axisY = top + plotH + (showLabels ? labelSpace : 0) + 30;
  parts.push(
    `</g><text class="axis-label" x="${f(left + plotW / 2)}" y="${axisY}" text-anchor="middle" font-size="12" fill="#333">${escapeHtml(xLabel)}</text>`,
    `<text class="axis-label" transform="translate(14 ${f(top + plotH / 2)}) rotate(-90)" text-anchor="middle" font-size="12" fill="#333">${escapeHtml(yLabel)}</text>`,
  );
  // Colour scale: a vertical gradient bar with ticks over [lo, hi].
  const barH = Math.max(plotH, 160);
  const gradientId = `${id}-scale`;
  parts.push(`<defs><linearGradient id="${gradientId}" x1="0" y1="1" x2="0" y2="0">`);
  for (let k = 0; k <= 10; k++) parts.push(`<stop offset="${k / 10}" stop-color="${viridis(k / 10)}"/>`);
  parts.push(
    '</linearGradient></defs>',
    `<g class="color-scale"><rect class="scale-bar" x="${barX}" y="${top}" width="16" height="${barH}" fill="url(#${gradientId})" stroke="#999"/>`,
  );
  const scale = niceScale(lo, hi, 5);
  const sy = linear(lo, hi > lo ? hi : lo + 1, top + barH, top);
  for (const t of scale.ticks.filter((t) => t >= lo - 1e-12 && t <= hi + 1e-12)) {
    const y = f(sy(t));
    parts.push(`<line x1="${barX + 16}" x2="${barX + 21}" y1="${y}" y2="${y}" stroke="#666"/><text class="tick" x="${barX + 24}" y="${y}" dy="0.32em" font-size="10" fill="#444">${formatTick(t, scale.step)}</text>`);
  }
  parts.push(`<text x="${barX}" y="${top + barH + 16}" font-size="10" fill="#444">min ${lo.toPrecision(3)}, max ${hi.toPrecision(3)}</text></g></svg>`);
  return parts.join('');
}
