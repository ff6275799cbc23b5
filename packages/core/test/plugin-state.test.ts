import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  loadPluginStates,
  LoopControl,
  PluginError,
  savePluginStates,
  type PluginState,
  type TrainingPlugin,
} from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

class CounterPlugin implements TrainingPlugin {
  readonly name: string;
  readonly stateKey: string;
  count = 0;
  table: tf.Tensor | undefined;
  constructor(key: string) {
    this.name = `counter-${key}`;
    this.stateKey = key;
  }
  attach() {
    return undefined;
  }
  saveState(): PluginState {
    return { json: { count: this.count, note: 'x' }, tensors: this.table ? { table: this.table } : {} };
  }
  loadState(state: PluginState): void {
    this.count = (state.json as { count: number }).count;
    this.table?.dispose();
    this.table = state.tensors?.['table'] ? tf.keep(state.tensors['table'].clone()) : undefined;
  }
}

describe("plugin state (the one mechanism the engine's snapshots use)", () => {
  it('round-trips JSON and tensors of every stateful plugin, tensors named plugin/<key>/<name>', async () => {
    const a = new CounterPlugin('a');
    a.count = 7;
    a.table = tf.tensor2d([[0.25, 0.75], [1e-8, -3.5]]);
    const b = new CounterPlugin('b');
    b.count = 3;
    const saved = await savePluginStates([a, b]);
    expect(Object.keys(saved.tensors)).toEqual(['plugin/a/table']);
    expect(saved.json).toEqual({ a: { count: 7, note: 'x' }, b: { count: 3, note: 'x' } });
    const a2 = new CounterPlugin('a');
    const b2 = new CounterPlugin('b');
    const before = tf.memory().numTensors;
    await loadPluginStates([a2, b2], saved);
    expect(tf.memory().numTensors).toBe(before + 1); // only the clone a2 keeps
    expect(a2.count).toBe(7);
    expect(b2.count).toBe(3);
    expect(Array.from(a2.table!.dataSync())).toEqual(Array.from(a.table.dataSync()));
    tf.dispose(Object.values(saved.tensors));
  });

  it('names the key when a snapshot has state nobody claims, or lacks a plugin', async () => {
    const a = new CounterPlugin('a');
    const saved = await savePluginStates([a]);
    await expect(loadPluginStates([], saved, { file: 'ck.ckpt' })).rejects.toThrow(CheckpointError);
    await expect(loadPluginStates([], saved, { file: 'ck.ckpt' })).rejects.toThrow(/ck\.ckpt.*'a'.*no plugin of this run takes it/);
    await expect(loadPluginStates([a, new CounterPlugin('b')], saved)).rejects.toThrow(/counter-b.*'b'/);
    await expect(loadPluginStates([a, new CounterPlugin('b')], saved, { allowMissing: true })).resolves.toBeUndefined();
  });

  it('rejects two plugins with one state key, naming both', async () => {
    const twins = [new CounterPlugin('a'), new CounterPlugin('a')];
    await expect(savePluginStates(twins)).rejects.toThrow(PluginError);
    await expect(savePluginStates(twins)).rejects.toThrow(/stateKey 'a' is also used by 'counter-a'.*distinct ids/);
    await expect(savePluginStates([new CounterPlugin('a/b')])).rejects.toThrow(/'a\/b' must not contain '\/'/);
  });
});

describe('LoopControl', () => {
  it('keeps the first stop reason, hands out checkpoint requests once, and collects async failures', async () => {
    const control = new LoopControl();
    control.requestStop('early-stopping');
    control.requestStop('other');
    expect(control.stopRequested).toBe(true);
    expect(control.stopReason).toBe('early-stopping');
    control.requestCheckpoint('best');
    expect(control.takeCheckpointRequest()).toBe('best');
    expect(control.takeCheckpointRequest()).toBeUndefined();
    let done = false;
    control.waitFor(new Promise((r) => setTimeout(() => r((done = true)), 5)), 'writer');
    control.waitFor(Promise.reject(new Error('disk full')), 'logger');
    const failures = await control.settle();
    expect(done).toBe(true);
    expect(failures.map(([owner, e]) => `${owner}:${e.message}`)).toEqual(['logger:disk full']);
  });
});
