import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ArgumentError, CheckpointError, writeFileAtomic, type PluginState, type TrainingControl, type TrainingEvent, type TrainingPlugin } from '@dkl/core';
import type { Observable } from 'rxjs';

export interface MetricsLogOptions {
  readonly dir: string;
  /** Write a batch record every N batches (0: epoch records only). */
  readonly batchInterval?: number;
}

/**
 * Writes `metrics.jsonl` (one JSON record per batch interval, epoch, evaluation and run end) and
 * `metrics.csv` (one row per epoch: training means and evaluation metrics). Writes are queued in
 * order and awaited by the loop at epoch and run end.
 *
 * Resumable: its state is how many lines each file had when a snapshot was taken (written out
 * first); restoring it cuts off what a killed run wrote after that snapshot, and a resumed run
 * writes no second `run-start`, so the files end up as an uninterrupted run's.
 */
export class MetricsLog implements TrainingPlugin {
  readonly name = 'metrics-log';
  readonly stateKey = 'metrics-log';
  private queue: Promise<void> = Promise.resolve();
  private csvColumns: string[] | undefined;
  private pendingEpoch: Record<string, number | string> | undefined;
  private lines = { jsonl: 0, csv: 0 };

  constructor(readonly options: MetricsLogOptions) {
    if (!options.dir) throw new ArgumentError('dir', 'must name a directory');
  }

  get jsonlPath(): string {
    return path.join(this.options.dir, 'metrics.jsonl');
  }

  get csvPath(): string {
    return path.join(this.options.dir, 'metrics.csv');
  }

  private append(file: string, text: string, control: TrainingControl): void {
    this.lines[file === this.jsonlPath ? 'jsonl' : 'csv'] += text.split('\n').length - 1;
    this.queue = this.queue.then(async () => {
      await fs.mkdir(this.options.dir, { recursive: true });
      await fs.appendFile(file, text);
    });
    control.waitFor(this.queue, this.name);
  }

  private record(record: Record<string, unknown>, control: TrainingControl): void {
    this.append(this.jsonlPath, `${JSON.stringify({ time: new Date().toISOString(), ...record })}\n`, control);
  }

  private flushCsvRow(control: TrainingControl): void {
    const row = this.pendingEpoch;
    if (!row) return;
    this.pendingEpoch = undefined;
    let text = '';
    if (!this.csvColumns) {
      this.csvColumns = Object.keys(row);
      text += `${this.csvColumns.join(',')}\n`;
    }
    text += `${this.csvColumns.map((c) => (row[c] === undefined ? '' : String(row[c]))).join(',')}\n`;
    this.append(this.csvPath, text, control);
  }

  attach(events: Observable<TrainingEvent>, control: TrainingControl) {
    const interval = this.options.batchInterval ?? 0;
    return events.subscribe((event) => {
      switch (event.type) {
        case 'run-start':
          if (event.resumed) break; // the log continues the interrupted run's
          this.record({ type: event.type, runId: event.runId, epochs: event.epochs, startEpoch: event.startEpoch, backend: event.backend }, control);
          break;
        case 'epoch-start':
          this.flushCsvRow(control);
          this.pendingEpoch = { epoch: event.epoch, learningRate: event.learningRate };
          break;
        case 'batch-end':
          if (interval > 0 && (event.batchIndex + 1) % interval === 0) {
            this.record({ type: event.type, epoch: event.epoch, step: event.step, batchIndex: event.batchIndex, losses: event.losses }, control);
          }
          break;
        case 'epoch-end':
          this.record({ type: event.type, epoch: event.epoch, step: event.step, metrics: event.metrics, durationMs: event.durationMs }, control);
          for (const [k, v] of Object.entries(event.metrics)) if (this.pendingEpoch) this.pendingEpoch[`train_${k}`] = v;
          break;
        case 'eval-end':
          this.record({ type: event.type, epoch: event.epoch, step: event.step, split: event.split, metrics: event.metrics }, control);
          for (const [k, v] of Object.entries(event.metrics)) if (this.pendingEpoch) this.pendingEpoch[`${event.split}_${k}`] = v;
          break;
        case 'checkpoint-saved':
          this.record({ type: event.type, epoch: event.epoch, path: event.path, reason: event.reason }, control);
          break;
        case 'plugin-error':
          this.record({ type: event.type, plugin: event.plugin, during: event.during, error: event.error.message }, control);
          break;
        case 'run-end':
          this.flushCsvRow(control);
          this.record({ type: event.type, status: event.status, epoch: event.epoch, step: event.step, reason: event.reason, error: event.error?.message }, control);
          break;
        default:
          break;
      }
    });
  }

  async saveState(): Promise<PluginState> {
    await this.queue.catch(() => undefined); // lines counted below are on disk before the snapshot is
    return { json: { lines: { ...this.lines }, csvColumns: this.csvColumns ?? null, pendingEpoch: this.pendingEpoch ?? null } };
  }

  async loadState(state: PluginState): Promise<void> {
    const json = state.json as { lines: { jsonl: number; csv: number }; csvColumns: string[] | null; pendingEpoch: Record<string, number | string> | null };
    await truncateLines(this.jsonlPath, json.lines.jsonl);
    await truncateLines(this.csvPath, json.lines.csv);
    this.lines = { ...json.lines };
    this.csvColumns = json.csvColumns ?? undefined;
    this.pendingEpoch = json.pendingEpoch ?? undefined;
  }
}

/** Keeps the first `count` lines of `file` (what a snapshot recorded); an error if it has fewer. */
async function truncateLines(file: string, count: number): Promise<void> {
  const text = await fs.readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const lines = text.split('\n').slice(0, -1);
  if (lines.length < count) throw new CheckpointError(file, `has ${lines.length} lines, the snapshot being resumed recorded ${count}: it was changed after the snapshot`);
  if (lines.length === count) return;
  await writeFileAtomic(file, lines.slice(0, count).map((l) => `${l}\n`).join(''));
}
