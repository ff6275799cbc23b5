/**
 * Writes an export directory all at once: everything goes to a temporary sibling directory,
 * which replaces `out` only when complete, so a failed export never leaves a half-written `out`
 * (an existing `out` stays untouched until the new one is ready).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '@dkl/core';

export async function writeDirectoryAtomic(out: string, fill: (dir: string) => Promise<void>): Promise<void> {
  const target = path.resolve(out);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = await fs.mkdtemp(`${target}.tmp-`);
  try {
    await fill(tmp);
    const existing = await fs.stat(target).catch(() => null);
    if (existing && !existing.isDirectory()) throw new CheckpointError(target, 'export destination exists and is not a directory');
    if (existing) {
      const old = `${tmp}.old`;
      await fs.rename(target, old);
      await fs.rename(tmp, target);
      await fs.rm(old, { recursive: true, force: true });
    } else {
      await fs.rename(tmp, target);
    }
  } catch (error) {
    await fs.rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
