import { type TrainingEvent, type TrainingPlugin } from '@dkl/core';
import type { Observable } from 'rxjs';

export interface ProgressOptions {
  /** Where to draw (default process.stderr). */
  readonly stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Minimum time between redraws on a TTY (default 200 ms). */
  readonly throttleMs?: number;
  /** Time between plain lines when not a TTY (default 30 s). */
  readonly plainIntervalMs?: number;
  /** Clock, replaceable in tests. */
  readonly now?: () => number;
}

function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h > 0 ? `${h}:` : ''}${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4));

/**
 * A throttled progress bar with ETA, images/s and running losses on a TTY; periodic plain lines
 * (and one line per epoch and evaluation) when output is a file or pipe.
 */
export class ProgressBar implements TrainingPlugin {
  readonly name = 'progress';
  private epochStart = 0;
  private lastDraw = -Infinity;
  private images = 0;
  private running: Record<string, number> = {};
  private batches = 0;
  private totalBatches = 0;
  private epochs = 0;

  constructor(readonly options: ProgressOptions = {}) {}

  private get stream() {
    return this.options.stream ?? process.stderr;
  }

  private now(): number {
    return (this.options.now ?? performance.now.bind(performance))();
  }

  attach(events: Observable<TrainingEvent>) {
    return events.subscribe((event) => {
      const tty = Boolean(this.stream.isTTY);
      switch (event.type) {
        case 'run-start':
          this.epochs = event.epochs;
          this.totalBatches = event.stepsPerEpoch ?? 0;
          break;
        case 'epoch-start':
          this.epochStart = this.now();
          this.images = 0;
          this.batches = 0;
          this.running = {};
          this.lastDraw = this.epochStart;
          break;
        case 'batch-end': {
          this.images += event.batchSize;
          this.batches++;
          for (const [k, v] of Object.entries(event.losses)) this.running[k] = this.running[k] === undefined ? v : 0.9 * this.running[k] + 0.1 * v;
          const now = this.now();
          const wait = tty ? (this.options.throttleMs ?? 200) : (this.options.plainIntervalMs ?? 30_000);
          if (now - this.lastDraw < wait) break;
          this.lastDraw = now;
          const elapsed = now - this.epochStart;
          const rate = this.images / (elapsed / 1000);
          const eta = this.totalBatches ? (elapsed / this.batches) * (this.totalBatches - this.batches) : NaN;
          const losses = Object.entries(this.running).map(([k, v]) => `${k} ${fmt(v)}`).join(' ');
          const frac = this.totalBatches ? this.batches / this.totalBatches : 0;
          const head = `epoch ${event.epoch}/${this.epochs} ${this.batches}/${this.totalBatches || '?'}`;
          const tail = `${rate.toFixed(1)} img/s ETA ${formatDuration(eta)} ${losses}`;
          if (tty) {
            const width = 20;
            const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
            const line = `${head} [${bar}] ${tail}`;
            this.stream.write(`\r${line.slice(0, (this.stream.columns ?? 120) - 1)}\x1b[K`);
          } else this.stream.write(`${head} ${tail}\n`);
          break;
        }
        case 'epoch-end': {
          const metrics = Object.entries(event.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(' ');
          this.stream.write(`${tty ? '\r\x1b[K' : ''}epoch ${event.epoch}/${this.epochs} done in ${formatDuration(event.durationMs)}: ${metrics}\n`);
          break;
        }
        case 'eval-end':
          this.stream.write(`  ${event.split}: ${Object.entries(event.metrics).map(([k, v]) => `${k} ${fmt(v)}`).join(' ')}\n`);
          break;
        case 'run-end':
          this.stream.write(`run ${event.status}${event.reason ? ` (${event.reason})` : ''}${event.error ? `: ${event.error.message}` : ''}\n`);
          break;
        default:
          break;
      }
    });
  }
}
