import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  ArgumentError,
  ofType,
  temporarySibling,
  writeSnapshotFile,
  type PluginState,
  type TrainingControl,
  type TrainingEvent,
  type TrainingPlugin,
} from '@dkl/core';
import { Subscription, type Observable } from 'rxjs';

/** How often a rolling snapshot is written: every N epochs (at epoch end), N steps, or N minutes (after a step). */
export type SnapshotCadence = { readonly epochs: number } | { readonly steps: number } | { readonly minutes: number };

export interface CheckpointOptions {
  readonly dir: string;
  /** Rolling-snapshot cadence (default `{ epochs: 1 }`). */
  readonly every?: SnapshotCadence;
  /** Rolling snapshots retained, newest first (default 1); resume falls back to older ones when the newest is damaged. */
  readonly keep?: number;
  /** Also keep `epoch-<e>.ckpt` every N epochs, never deleted (0: never). */
  readonly archiveEvery?: number;
  /** Write rolling snapshots and `last.ckpt` at all (default true; false leaves nothing to resume from). */
  readonly saveLast?: boolean;
  /** Keep `best.ckpt` for the best value of an evaluation metric. */
  readonly best?: { readonly split: string; readonly metric: string; readonly mode: 'max' | 'min' };
  /** Clock of the `{ minutes }` cadence in ms (default `Date.now`). */
  readonly now?: () => number;
}

const SNAPSHOT = /^snapshot-(\d+)\.ckpt$/;
const STALE_TEMP = /^\.snapshot-\d+\.ckpt\.(\d+)\..*\.tmp$/;

/** File name of rolling snapshot number `seq`; names sort in write order. */
export function snapshotFileName(seq: number): string {
  return `snapshot-${String(seq).padStart(6, '0')}.ckpt`;
}

/** Rolling snapshots in `dir`, newest first (by sequence number). */
export async function listSnapshots(dir: string): Promise<Array<{ file: string; seq: number }>> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names
    .map((name) => ({ name, match: SNAPSHOT.exec(name) }))
    .filter((n) => n.match)
    .map((n) => ({ file: path.join(dir, n.name), seq: Number(n.match![1]) }))
    .sort((a, b) => b.seq - a.seq);
}

/** Points `last` at `file` atomically: a hard link (a copy where links are impossible) renamed over it. */
async function pointAt(file: string, last: string): Promise<void> {
  const tmp = temporarySibling(last);
  try {
    await fs.link(file, tmp);
  } catch {
    await fs.copyFile(file, tmp);
  }
  await fs.rename(tmp, last);
}

/**
 * Writes run snapshots (model, optimizer, RNG, loader position, the accumulators of an epoch in
 * progress and every plugin's state). Rolling snapshots `snapshot-<n>.ckpt` follow `every`;
 * `last.ckpt` is the newest of them, the `keep` newest are retained, and a completed run gets a
 * final one at run end. Every file is written to a temp file, fsynced and renamed; older
 * snapshots are only removed after a newer one is complete, so a crash or a failed write (disk
 * full) always leaves the previous snapshot intact. Resume with `readSnapshotFile` +
 * `trainer.run({ resumeFrom })`, or `dkl resume`.
 */
export class CheckpointPlugin implements TrainingPlugin {
  readonly name = 'checkpoint';
  readonly stateKey = 'checkpoint';
  private bestValue: number | undefined;
  /** Number of the last rolling snapshot written (part of the state, so names continue after a resume). */
  private seq = 0;
  private lastSnapshotAt = 0;

  constructor(readonly options: CheckpointOptions) {
    if (!options.dir) throw new ArgumentError('dir', 'must name a directory');
    if ((options.archiveEvery ?? 0) < 0) throw new ArgumentError('archiveEvery', `must be >= 0, got ${options.archiveEvery}`);
    const keep = options.keep ?? 1;
    if (!Number.isInteger(keep) || keep < 1) throw new ArgumentError('keep', `must be a positive integer, got ${keep}`);
    const every = options.every ?? { epochs: 1 };
    const [unit, value] = Object.entries(every)[0] ?? [];
    if (Object.keys(every).length !== 1 || !['epochs', 'steps', 'minutes'].includes(unit!)) {
      throw new ArgumentError('every', `must be { epochs: N }, { steps: N } or { minutes: N }, got ${JSON.stringify(every)}`);
    }
    if (typeof value !== 'number' || !(value > 0) || (unit !== 'minutes' && !Number.isInteger(value))) {
      throw new ArgumentError(`every.${unit}`, `must be a positive ${unit === 'minutes' ? 'number' : 'integer'}, got ${String(value)}`);
    }
  }

  private get now(): () => number {
    return this.options.now ?? Date.now;
  }

  attach(events: Observable<TrainingEvent>, control: TrainingControl) {
    const dir = this.options.dir;
    const every = this.options.every ?? { epochs: 1 };
    const rolling = this.options.saveLast ?? true;
    const save = (file: string, reason: 'periodic' | 'best' | 'requested') => {
      const target = path.join(dir, file);
      control.waitFor(this.write(control, target), this.name);
      control.announceCheckpoint(target, reason);
    };
    const snapshot = (announce: boolean) => {
      this.lastSnapshotAt = this.now();
      const target = path.join(dir, snapshotFileName(++this.seq));
      const keep = this.options.keep ?? 1;
      const work = this.write(control, target).then(async () => {
        await pointAt(target, path.join(dir, 'last.ckpt'));
        await this.prune(target, keep);
      });
      control.waitFor(work, this.name);
      if (announce) control.announceCheckpoint(path.join(dir, 'last.ckpt'), 'last');
    };
    const subscription = new Subscription();
    subscription.add(
      events.pipe(ofType('run-start')).subscribe(() => {
        this.lastSnapshotAt = this.now();
      }),
    );
    subscription.add(
      events.pipe(ofType('batch-end')).subscribe((event) => {
        if (!rolling) return;
        if ('steps' in every && event.step % every.steps === 0) snapshot(true);
        else if ('minutes' in every && this.now() - this.lastSnapshotAt >= every.minutes * 60_000) snapshot(true);
      }),
    );
    subscription.add(
      events.pipe(ofType('epoch-end')).subscribe((event) => {
        const archive = this.options.archiveEvery ?? 0;
        if (archive > 0 && event.epoch % archive === 0) save(`epoch-${event.epoch}.ckpt`, 'periodic');
        const requested = control.takeCheckpointRequest();
        if (requested) save(`requested-epoch-${event.epoch}.ckpt`, 'requested');
        if (rolling && 'epochs' in every && event.epoch % every.epochs === 0) snapshot(true);
      }),
    );
    const best = this.options.best;
    subscription.add(
      events.pipe(ofType('eval-end')).subscribe((event) => {
        if (!best || event.split !== best.split) return;
        const value = event.metrics[best.metric];
        if (value === undefined || Number.isNaN(value)) return;
        const better = this.bestValue === undefined || (best.mode === 'max' ? value > this.bestValue : value < this.bestValue);
        if (!better) return;
        this.bestValue = value;
        save('best.ckpt', 'best');
      }),
    );
    // The final state of a completed run: what `dkl eval` reads and what resume finds if the run
    // dies while writing its summary or report.
    subscription.add(
      events.pipe(ofType('run-end')).subscribe((event) => {
        if (rolling && event.status === 'completed') snapshot(false);
      }),
    );
    return subscription;
  }

  private async write(control: TrainingControl, target: string): Promise<void> {
    const snapshot = await control.captureSnapshot();
    try {
      await writeSnapshotFile(target, snapshot.meta, snapshot.tensors);
    } finally {
      tf.dispose(Object.values(snapshot.tensors));
    }
  }

  /** Removes rolling snapshots beyond the `keep` newest (and any of an abandoned, later timeline) and stale temp files. */
  private async prune(newest: string, keep: number): Promise<void> {
    const dir = path.dirname(newest);
    const current = SNAPSHOT.exec(path.basename(newest))!;
    const seq = Number(current[1]);
    for (const s of await listSnapshots(dir)) {
      if (s.seq > seq || s.seq <= seq - keep) await fs.rm(s.file, { force: true });
    }
    // Temp files of a process killed mid-write (one writer per run directory: the run lock).
    for (const name of await fs.readdir(dir)) {
      const stale = STALE_TEMP.exec(name);
      if (stale && Number(stale[1]) !== process.pid) await fs.rm(path.join(dir, name), { force: true });
    }
  }

  saveState(): PluginState {
    return { json: { bestValue: this.bestValue ?? null, seq: this.seq } };
  }

  loadState(state: PluginState): void {
    const json = state.json as { bestValue?: number | null; seq?: number };
    this.bestValue = json.bestValue ?? undefined;
    this.seq = json.seq ?? 0;
  }
}
