import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ArgumentError, type TrainingControl, type TrainingEvent, type TrainingPlugin } from '@dkl/core';
import type { Observable } from 'rxjs';
import { encodeEvent } from './event-proto.js';
import { frameRecord } from './tfrecord.js';

export interface TensorBoardOptions {
  readonly dir: string;
  /** Log batch losses every N batches (0: epoch and evaluation scalars only). */
  readonly batchInterval?: number;
}

/**
 * Writes TensorBoard scalar event files (`events.out.tfevents.*`) incrementally: `train/<metric>`
 * per epoch, `<split>/<metric>` per evaluation, `batch/<loss>` every `batchInterval` batches, and
 * `lr` per epoch. Open with `tensorboard --logdir <dir>`.
 */
export class TensorBoardLogger implements TrainingPlugin {
  readonly name = 'tensorboard';
  readonly file: string;
  private queue: Promise<void> = Promise.resolve();
  private started = false;

  constructor(readonly options: TensorBoardOptions) {
    if (!options.dir) throw new ArgumentError('dir', 'must name a directory');
    this.file = path.join(options.dir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${os.hostname()}`);
  }

  private write(control: TrainingControl, step: number, scalars: Array<{ tag: string; value: number }>): void {
    const records: Buffer[] = [];
    const wallTime = Date.now() / 1000;
    if (!this.started) {
      this.started = true;
      records.push(frameRecord(encodeEvent({ wallTime, step: 0, fileVersion: 'brain.Event:2' })));
    }
    const finite = scalars.filter((s) => Number.isFinite(s.value));
    if (finite.length) records.push(frameRecord(encodeEvent({ wallTime, step, scalars: finite })));
    const data = Buffer.concat(records);
    this.queue = this.queue.then(async () => {
      await fs.mkdir(this.options.dir, { recursive: true });
      await fs.appendFile(this.file, data);
    });
    control.waitFor(this.queue, this.name);
  }

  attach(events: Observable<TrainingEvent>, control: TrainingControl) {
    const interval = this.options.batchInterval ?? 0;
    return events.subscribe((event) => {
      if (event.type === 'epoch-start') this.write(control, event.step, [{ tag: 'lr', value: event.learningRate }]);
      else if (event.type === 'batch-end' && interval > 0 && (event.batchIndex + 1) % interval === 0) {
        this.write(control, event.step, Object.entries(event.losses).map(([k, v]) => ({ tag: `batch/${k}`, value: v })));
      } else if (event.type === 'epoch-end') {
        this.write(control, event.step, Object.entries(event.metrics).map(([k, v]) => ({ tag: `train/${k}`, value: v })));
      } else if (event.type === 'eval-end') {
        this.write(control, event.step, Object.entries(event.metrics).map(([k, v]) => ({ tag: `${event.split}/${k}`, value: v })));
      }
    });
  }
}
