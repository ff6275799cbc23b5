import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '@dkl/core';
import type { Norm } from './project.js';

/** The resumable AutoAttack evaluation state (JSON). */
export interface AutoAttackState {
  readonly version: 1;
  readonly norm: Norm;
  readonly eps: number;
  /** Number of evaluated examples and a fingerprint of their labels, to catch a wrong file. */
  readonly examples: number;
  readonly labelsHash: string;
  readonly cleanAccuracy: number;
  /** Per example: still robust after the finished attacks. */
  readonly robustFlags: boolean[];
  /** Finished attacks in order, with the robust accuracy after each. */
  readonly finished: Array<{ readonly attack: string; readonly robustAccuracy: number }>;
}

/** Reads a state file, or undefined when it does not exist. */
export async function readState(file: string): Promise<AutoAttackState | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointError(file, `cannot be read: ${(error as Error).message}`, { cause: error });
  }
  let state: AutoAttackState;
  try {
    state = JSON.parse(text) as AutoAttackState;
  } catch (error) {
    throw new CheckpointError(file, 'is not valid JSON (corrupt AutoAttack state)', { cause: error });
  }
  if (state?.version !== 1 || !Array.isArray(state.robustFlags) || !Array.isArray(state.finished)) {
    throw new CheckpointError(file, 'is not an AutoAttack state file (expected version 1 with robustFlags and finished)');
  }
  return state;
}

/** Writes the state atomically: a temporary file in the same directory, then rename. */
export async function writeState(file: string, state: AutoAttackState): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await fs.writeFile(tmp, JSON.stringify(state), 'utf8');
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw new CheckpointError(file, `cannot be written: ${(error as Error).message}`, { cause: error });
  }
}

/** FNV-1a of the label sequence: cheap identity of an evaluation set. */
export function hashLabels(labels: ArrayLike<number>): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < labels.length; i++) {
    h ^= labels[i]! & 0xffff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${labels.length}:${h.toString(16)}`;
}
