import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ofType, writeSnapshotFile, type PluginState, type TrainingControl, type TrainingEvent, type TrainingPlugin } from '@dkl/core';
import { Subscription, type Observable } from 'rxjs';

export interface CheckpointOptions {
  readonly dir: string;
  /** Also keep `epoch-<e>.ckpt` every N epochs (0: never). */
  readonly every?: number;
  /** Keep `last.ckpt` up to date at every epoch end (default true). */
  readonly saveLast?: boolean;
  /** Keep `best.ckpt` for the best value of an evaluation metric. */
  readonly best?: { readonly split: string; readonly metric: string; readonly mode: 'max' | 'min' };
}

/**
 * Writes run snapshots (model, optimizer, schedule position, RNG, loader position and every
 * plugin's state) atomically: a temp file renamed over the target, so a crash never leaves a
 * half-written `last.ckpt`. Resume with `readSnapshotFile` + `trainer.run({ resumeFrom })`.
 */
export class CheckpointPlugin implements TrainingPlugin {
  readonly name = 'checkpoint';
  readonly stateKey = 'checkpoint';
  private bestValue: number | undefined;

  constructor(readonly options: CheckpointOptions) {
    if (!options.dir) throw new ArgumentError('dir', 'must name a directory');
    if ((options.every ?? 0) < 0) throw new ArgumentError('every', `must be >= 0, got ${options.every}`);
  }

  attach(events: Observable<TrainingEvent>, control: TrainingControl) {
    const save = (file: string, reason: 'periodic' | 'best' | 'last' | 'requested') => {
      const target = path.join(this.options.dir, file);
      const work = control.captureSnapshot().then(async (snapshot) => {
        try {
          await writeSnapshotFile(target, snapshot.meta, snapshot.tensors);
        } finally {
          tf.dispose(Object.values(snapshot.tensors));
        }
      });
      control.waitFor(work, this.name);
      control.announceCheckpoint(target, reason);
    };
    const onEpochEnd = events.pipe(ofType('epoch-end')).subscribe((event) => {
      const every = this.options.every ?? 0;
      if (every > 0 && event.epoch % every === 0) save(`epoch-${event.epoch}.ckpt`, 'periodic');
      const requested = control.takeCheckpointRequest();
      if (requested) save(`requested-epoch-${event.epoch}.ckpt`, 'requested');
      if (this.options.saveLast ?? true) save('last.ckpt', 'last');
    });
    const best = this.options.best;
    const onEval = events.pipe(ofType('eval-end')).subscribe((event) => {
      if (!best || event.split !== best.split) return;
      const value = event.metrics[best.metric];
      if (value === undefined || Number.isNaN(value)) return;
      const better = this.bestValue === undefined || (best.mode === 'max' ? value > this.bestValue : value < this.bestValue);
      if (!better) return;
      this.bestValue = value;
      save('best.ckpt', 'best');
    });
    const subscription = new Subscription();
    subscription.add(onEpochEnd);
    subscription.add(onEval);
    return subscription;
  }

  saveState(): PluginState {
    return { json: { bestValue: this.bestValue ?? null } };
  }

  loadState(state: PluginState): void {
    const best = (state.json as { bestValue?: number | null }).bestValue;
    this.bestValue = best ?? undefined;
  }
}
