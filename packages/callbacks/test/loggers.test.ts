import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoopControl, TrainingEventBus, type TrainingEvent } from '@dkl/core';
import { describe, expect, it } from 'vitest';
import { decodeEvent, EarlyStopping, LearningRateMonitor, maskedCrc32c, MetricsLog, ProgressBar, readRecords, TensorBoardLogger } from '../src/index.js';

function epochEvents(epoch: number, loss: number, top1: number): TrainingEvent[] {
  return [
    { type: 'epoch-start', epoch, step: (epoch - 1) * 2, learningRate: 0.1 / epoch },
    { type: 'batch-end', epoch, step: (epoch - 1) * 2 + 1, batchIndex: 0, batchSize: 4, losses: { total: loss + 0.1 }, outputs: {} },
    { type: 'batch-end', epoch, step: epoch * 2, batchIndex: 1, batchSize: 4, losses: { total: loss - 0.1 }, outputs: {} },
    { type: 'epoch-end', epoch, step: epoch * 2, metrics: { total: loss }, durationMs: 10 },
    { type: 'eval-end', epoch, step: epoch * 2, split: 'test', metrics: { top1, loss } },
  ];
}

async function drive(plugins: Array<{ name: string; attach: (e: never, c: LoopControl) => unknown }>, events: TrainingEvent[]) {
  const bus = new TrainingEventBus();
  const control = new LoopControl();
  for (const p of plugins) p.attach(bus.channel(p.name) as never, control);
  for (const e of events) {
    bus.emit(e);
    expect(await control.settle()).toEqual([]);
  }
  bus.close();
  return control;
}

describe('TensorBoard logger', () => {
  it('writes TFRecord-framed Event protos that parse back with valid masked CRC32C', async () => {
    expect(maskedCrc32c(Buffer.from('123456789'))).toBe((((0xe3069283 >>> 15) | (0xe3069283 << 17)) + 0xa282ead8) >>> 0);
    const dir = mkdtempSync(join(tmpdir(), 'dkl-tb-'));
    const tb = new TensorBoardLogger({ dir, batchInterval: 1 });
    await drive([tb], [...epochEvents(1, 2, 0.5), ...epochEvents(2, 1, 0.75)]);
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^events\.out\.tfevents\.\d+\./);
    const events = readRecords(readFileSync(join(dir, file!))).map((p) => decodeEvent(p));
    expect(events[0]!.fileVersion).toBe('brain.Event:2');
    const scalars = events.flatMap((e) => (e.scalars ?? []).map((s) => `${e.step}:${s.tag}=${+s.value.toFixed(4)}`));
    expect(scalars).toEqual([
      '0:lr=0.1', '1:batch/total=2.1', '2:batch/total=1.9', '2:train/total=2', '2:test/top1=0.5', '2:test/loss=2',
      '2:lr=0.05', '3:batch/total=1.1', '4:batch/total=0.9', '4:train/total=1', '4:test/top1=0.75', '4:test/loss=1',
    ]);
    const corrupt = readFileSync(join(dir, file!));
    corrupt[corrupt.length - 6] ^= 0xff;
    expect(() => readRecords(corrupt, 'x.tfevents')).toThrow(/x\.tfevents: bad data checksum/);
  });
});

describe('MetricsLog', () => {
  it('writes JSON Lines per epoch/eval/run and a CSV row per epoch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dkl-metrics-'));
    const log = new MetricsLog({ dir, batchInterval: 2 });
    await drive([log], [
      { type: 'run-start', runId: 'r1', epochs: 2, startEpoch: 1, backend: 'cpu' },
      ...epochEvents(1, 2, 0.5),
      ...epochEvents(2, 1, 0.75),
      { type: 'run-end', status: 'completed', epoch: 2, step: 4 },
    ]);
    const records = readFileSync(log.jsonlPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => r.type)).toEqual(['run-start', 'batch-end', 'epoch-end', 'eval-end', 'batch-end', 'epoch-end', 'eval-end', 'run-end']);
    expect(records[3]).toMatchObject({ split: 'test', metrics: { top1: 0.5 } });
    expect(readFileSync(log.csvPath, 'utf8').trim().split('\n')).toEqual([
      'epoch,learningRate,train_total,test_top1,test_loss',
      '1,0.1,2,0.5,2',
      '2,0.05,1,0.75,1',
    ]);
  });
});

describe('EarlyStopping', () => {
  it('requests a stop after `patience` epochs without improvement and restores its counters', async () => {
    const plugin = new EarlyStopping({ split: 'test', metric: 'top1', mode: 'max', patience: 1, minDelta: 0.01 });
    const control = await drive([plugin], [...epochEvents(1, 1, 0.5), ...epochEvents(2, 1, 0.505), ...epochEvents(3, 1, 0.9)]);
    expect(control.stopRequested).toBe(false);
    const stopping = new EarlyStopping({ split: 'test', metric: 'top1', mode: 'max', patience: 1 });
    const c2 = await drive([stopping], [...epochEvents(1, 1, 0.5), ...epochEvents(2, 1, 0.5), ...epochEvents(3, 1, 0.4)]);
    expect(c2.stopReason).toMatch(/early stopping: test\.top1 did not improve on 0\.5 for 2 epochs/);
    const copy = new EarlyStopping({ split: 'test', metric: 'top1', mode: 'max', patience: 1 });
    copy.loadState(stopping.saveState());
    expect(copy.saveState()).toEqual({ json: { best: 0.5, wait: 2 } });
    expect(() => new EarlyStopping({ split: 'test', metric: 'top1', mode: 'max', patience: -1 })).toThrow(/patience/);
  });
});

describe('ProgressBar and LearningRateMonitor', () => {
  it('prints plain lines when the stream is not a TTY', async () => {
    let out = '';
    const stream = { isTTY: false, write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream;
    let t = 0;
    const bar = new ProgressBar({ stream, plainIntervalMs: 0, now: () => (t += 500) });
    const lr = new LearningRateMonitor();
    await drive([bar, lr], [{ type: 'run-start', runId: 'r', epochs: 1, startEpoch: 1, stepsPerEpoch: 2 }, ...epochEvents(1, 2, 0.5), { type: 'run-end', status: 'completed', epoch: 1, step: 2 }]);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^epoch 1\/1 1\/2 8\.0 img\/s ETA 00:01 total 2\.100$/);
    expect(lines).toContain('epoch 1/1 done in 00:00: total 2.000');
    expect(lines).toContain('  test: top1 0.5000 loss 2.000');
    expect(lines.at(-1)).toBe('run completed');
    expect(out).not.toContain('\r');
    expect(lr.history).toEqual([{ epoch: 1, learningRate: 0.1 }]);
  });
});
