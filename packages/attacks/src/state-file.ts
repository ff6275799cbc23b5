import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CheckpointError } from '@dkl/core';
import type { Norm } from './project.js';

/**
 * The resumable robust-evaluation state (JSON), rewritten after the clean pass and after every
 * batch of every attack: a killed evaluation loses at most the batch it was attacking.
 */
export interface AutoAttackState {
  readonly version: 2;
  readonly norm: Norm;
  readonly eps: number;
  /** Number of evaluated examples and a fingerprint of their labels, to catch a wrong file. */
  readonly examples: number;
  readonly labelsHash: string;
  /** Seed, batch size and budgets (JSON): resuming under other settings would not give the same result. */
  readonly settings: string;
  readonly cleanAccuracy: number;
  /** Seconds the clean pass took (absent in files written before times were kept). */
  readonly cleanSeconds?: number;
  /** Per example, '1' or '0': still robust after the finished attacks and the finished batches of `current`. */
  readonly robustFlags: string;
  /**
   * Finished attacks in order, with the robust accuracy after each and the seconds its batches
   * took, summed over every invocation that attacked them (absent where an older file did not count).
   */
  readonly finished: Array<{ readonly attack: string; readonly robustAccuracy: number; readonly seconds?: number }>;
  /**
   * The attack under way: the robust flags it started from (they fix its batches), how many
   * batches are done and the seconds they took (summed over invocations, as in `finished`).
   */
  readonly current?: { readonly attack: string; readonly robustAtStart: string; readonly batchesDone: number; readonly seconds?: number };
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
    throw new CheckpointError(file, 'is not valid JSON (corrupt robust-evaluation state)', { cause: error });
  }
  if (state?.version !== 2 || typeof state.robustFlags !== 'string' || !Array.isArray(state.finished) || typeof state.settings !== 'string') {
    throw new CheckpointError(file, 'is not a robust-evaluation state file of this version (expected version 2 with settings, robustFlags and finished); delete it to start over');
  }
  return state;
}

/** Robust flags as the state file stores them. */
export function encodeFlags(flags: readonly boolean[]): string {
  return flags.map((f) => (f ? '1' : '0')).join('');
}

export function decodeFlags(text: string): boolean[] {
  return Array.from(text, (ch) => ch === '1');
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
