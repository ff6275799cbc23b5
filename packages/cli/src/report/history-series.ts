/** Chart series pulled out of a run's per-epoch history. */
import type { EpochRecord } from '@dkl/trainers';
import type { ChartSeries } from './line-chart.js';

/** Train keys that are not loss terms. */
const NON_LOSS_KEYS = new Set(['top1', 'top5', 'imagesPerSecond', 'learningRate']);

const value = (v: unknown): number => (typeof v === 'number' ? v : NaN);

/** Eval split names in first-seen order. */
export function evalSplits(history: readonly EpochRecord[]): string[] {
  const splits: string[] = [];
  for (const r of history) for (const s of Object.keys(r.eval ?? {})) if (!splits.includes(s)) splits.push(s);
  return splits;
}

/** Train loss keys in first-seen order, `total` first. */
export function trainLossKeys(history: readonly EpochRecord[]): string[] {
  const keys: string[] = [];
  for (const r of history) for (const k of Object.keys(r.train ?? {})) if (!NON_LOSS_KEYS.has(k) && !keys.includes(k)) keys.push(k);
  return keys.sort((a, b) => (a === 'total' ? -1 : b === 'total' ? 1 : 0));
}

/** Train total and terms (solid), each eval split's loss (dashed). */
export function lossSeries(history: readonly EpochRecord[]): ChartSeries[] {
  const train = trainLossKeys(history).map((k) => ({
    name: k === 'total' ? 'train total' : `train ${k}`,
    points: history.map((r) => [r.epoch, value(r.train[k])] as const),
  }));
  const evals = evalSplits(history).map((split) => ({
    name: `${split} loss`,
    dashed: true,
    points: history.filter((r) => r.eval?.[split] !== undefined).map((r) => [r.epoch, value(r.eval[split]!['loss'])] as const),
  }));
  return [...train, ...evals.filter((s) => s.points.length > 0)];
}

/** Train top-1 and every eval split's top-1 / top-5, in percent. */
export function accuracySeries(history: readonly EpochRecord[]): ChartSeries[] {
  const out: ChartSeries[] = [];
  if (history.some((r) => r.train['top1'] !== undefined)) {
    out.push({ name: 'train top-1', points: history.map((r) => [r.epoch, value(r.train['top1']) * 100] as const) });
  }
  for (const split of evalSplits(history)) {
    const rows = history.filter((r) => r.eval?.[split] !== undefined);
    out.push({ name: `${split} top-1`, points: rows.map((r) => [r.epoch, value(r.eval[split]!['top1']) * 100] as const) });
    if (rows.some((r) => r.eval[split]!['top5'] !== undefined)) {
      out.push({ name: `${split} top-5`, dashed: true, points: rows.map((r) => [r.epoch, value(r.eval[split]!['top5']) * 100] as const) });
    }
  }
  return out;
}

export function learningRateSeries(history: readonly EpochRecord[]): ChartSeries[] {
  return [{ name: 'learning rate', points: history.map((r) => [r.epoch, value(r.learningRate ?? r.train['learningRate'])] as const) }];
}

export function throughputSeries(history: readonly EpochRecord[]): ChartSeries[] {
  return [{ name: 'train images/s', points: history.map((r) => [r.epoch, value(r.train['imagesPerSecond'])] as const) }];
}

/** The last finite value of `pick` over the history. */
export function lastFinite(history: readonly EpochRecord[], pick: (r: EpochRecord) => number | undefined): number | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const v = pick(history[i]!);
    if (v !== undefined && Number.isFinite(v)) return v;
  }
  return undefined;
}

/** The largest finite value of `pick` over the history. */
export function bestFinite(history: readonly EpochRecord[], pick: (r: EpochRecord) => number | undefined): number | undefined {
  let best: number | undefined;
  for (const r of history) {
    const v = pick(r);
    if (v !== undefined && Number.isFinite(v) && (best === undefined || v > best)) best = v;
  }
  return best;
}

/** Mean of the finite values of `pick`. */
export function meanFinite(history: readonly EpochRecord[], pick: (r: EpochRecord) => number | undefined): number | undefined {
  const vs = history.map(pick).filter((v): v is number => v !== undefined && Number.isFinite(v));
  return vs.length > 0 ? vs.reduce((a, b) => a + b, 0) / vs.length : undefined;
}
