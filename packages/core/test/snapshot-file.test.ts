import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckpointError, faultPoint, readSnapshotFile, writeFileAtomic, writeSnapshotFile } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('snapshot files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dkl-snap-'));

  it('round-trip metadata and float32/int32 tensors bit-exactly, leaving no temp files', async () => {
    const file = join(dir, 'last.ckpt');
    const w = tf.tensor2d([[1.5, -2.25e-7], [3.4e38, 0]]);
    const step = tf.tensor1d([7, -9], 'int32');
    await writeSnapshotFile(file, { epoch: 3, note: 'ü' }, { 'model/w': w, 'optimizer/step': step });
    expect(readdirSync(dir)).toEqual(['last.ckpt']);
    const back = await readSnapshotFile<{ epoch: number; note: string }>(file);
    expect(back.meta).toEqual({ epoch: 3, note: 'ü' });
    expect(Array.from(back.tensors['model/w']!.dataSync())).toEqual(Array.from(w.dataSync()));
    expect(back.tensors['optimizer/step']!.dtype).toBe('int32');
    expect(Array.from(back.tensors['optimizer/step']!.dataSync())).toEqual([7, -9]);
    tf.dispose(Object.values(back.tensors));
  });

  it('refuses truncated, foreign and missing files with the file name', async () => {
    const good = join(dir, 'good.ckpt');
    await writeSnapshotFile(good, {}, { a: tf.ones([100]) });
    const truncated = join(dir, 'truncated.ckpt');
    writeFileSync(truncated, readFileSync(good).subarray(0, 200));
    await expect(readSnapshotFile(truncated)).rejects.toThrow(/truncated\.ckpt.*truncated: tensor 'a'/);
    const foreign = join(dir, 'model.json');
    writeFileSync(foreign, '{"modelTopology": {}}');
    await expect(readSnapshotFile(foreign)).rejects.toThrow(/model\.json.*not a dkl checkpoint/);
    await expect(readSnapshotFile(join(dir, 'nope.ckpt'))).rejects.toThrow(CheckpointError);
    await expect(readSnapshotFile(join(dir, 'nope.ckpt'))).rejects.toThrow(/nope\.ckpt.*ENOENT/);
  });
});

describe('damage and write failures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dkl-snap-fault-'));

  it('refuses a file whose tensor bytes changed after writing (checksum), naming it', async () => {
    const file = join(dir, 'flipped.ckpt');
    await writeSnapshotFile(file, { epoch: 1 }, { a: tf.ones([16]) });
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 0x10; // one bit of the last float
    writeFileSync(file, bytes);
    await expect(readSnapshotFile(file)).rejects.toThrow(/flipped\.ckpt: is damaged: its tensor bytes have SHA-256 [0-9a-f]{64}, the header recorded [0-9a-f]{64}/);
  });

  it('an injected ENOSPC or a kill point: the error names the file, no temp file stays, the previous content is intact', async () => {
    const file = join(dir, 'last.ckpt');
    await writeSnapshotFile(file, { epoch: 1 }, { a: tf.ones([4]) });
    process.env['DKL_FAULTS'] = 'write/last.ckpt:ENOSPC@1,rename/other:EACCES';
    try {
      await expect(writeSnapshotFile(file, { epoch: 2 }, { a: tf.zeros([4]) })).rejects.toThrow(`checkpoint ${file}: could not be written: ENOSPC: injected fault at write '${file}'`);
      await expect(writeFileAtomic(join(dir, 'other.json'), '{}')).rejects.toThrow(/other\.json: could not be written: EACCES/);
    } finally {
      delete process.env['DKL_FAULTS'];
    }
    expect(readdirSync(dir).sort()).toEqual(['flipped.ckpt', 'last.ckpt']);
    const back = await readSnapshotFile<{ epoch: number }>(file);
    expect(back.meta.epoch).toBe(1);
    tf.dispose(Object.values(back.tensors));
  });

  it('a malformed DKL_FAULTS entry is an error naming it', () => {
    process.env['DKL_FAULTS'] = 'step-kill';
    try {
      expect(() => faultPoint('step', '1')).toThrow(/argument 'DKL_FAULTS': entry 'step-kill' is not <point>\[\/<detail>\]:<action>\[@<n>\]/);
    } finally {
      delete process.env['DKL_FAULTS'];
    }
  });
});
