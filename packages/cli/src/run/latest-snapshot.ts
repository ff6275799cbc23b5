import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { listSnapshots } from '@dkl/callbacks';
import { CheckpointError, isDklError, readSnapshotFile, type JsonValue, type SnapshotFile } from '@dkl/core';

/**
 * Reads the newest readable run snapshot in `checkpointsDir`: the rolling `snapshot-<n>.ckpt`
 * files newest first (or `last.ckpt` of runs written before rolling snapshots). A damaged file
 * (truncated, checksum mismatch) is skipped with a warning naming it and the file used instead.
 */
export async function readLatestSnapshot(checkpointsDir: string, log: (line: string) => void): Promise<SnapshotFile<JsonValue> & { file: string }> {
  const candidates = (await listSnapshots(checkpointsDir)).map((s) => s.file);
  const last = path.join(checkpointsDir, 'last.ckpt');
  if (candidates.length === 0 && existsSync(last)) candidates.push(last);
  if (candidates.length === 0) throw new CheckpointError(last, 'does not exist: the run has no checkpoint to resume from');
  const damaged: Array<{ file: string; reason: string }> = [];
  for (const file of candidates) {
    try {
      const snapshot = await readSnapshotFile<JsonValue>(file);
      for (const d of damaged) log(`[dkl] warning: ${d.file} is damaged (${d.reason}); resuming from the previous snapshot ${file}`);
      return { ...snapshot, file };
    } catch (error) {
      if (!isDklError(error, 'DKL_CHECKPOINT')) throw error;
      damaged.push({ file, reason: (error as Error).message });
    }
  }
  throw new CheckpointError(checkpointsDir, `holds no readable snapshot: ${damaged.map((d) => d.reason).join('; ')}`);
}
