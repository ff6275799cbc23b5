import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ArgumentError, type TrainingControl, type TrainingEvent, type TrainingPlugin } from '@dkl/core';
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
 */
export class MetricsLog implements TrainingPlugin {
  readonly name = 'metrics-log';
  private queue: Promise<void> = Promise.resolve();
  private csvColumns: string[] | undefined;
  private pendingEpoch: Record<string, number | string> | undefined;

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
}
