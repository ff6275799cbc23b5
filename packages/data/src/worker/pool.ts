/**
 * A small pool of data worker threads. Jobs go to the least-busy worker; replies are matched by
 * id, so callers get results in their own order whatever the scheduling. Idle workers are
 * unref'd so an idle pool never keeps the process alive; `close()` terminates them.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import { ArgumentError, DataError } from '@dkl/core';
import type { ShareSlotMessage, WorkerJob, WorkerReply } from './protocol.js';

/** The built worker entry next to this module, or undefined when running from TypeScript sources. */
export function defaultWorkerScript(): URL | undefined {
  const url = new URL('./data-worker.js', import.meta.url);
  return existsSync(fileURLToPath(url)) ? url : undefined;
}

/** `auto` worker count: one per core beyond the training thread's, at most 4. */
export function autoWorkerCount(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

/** How many workers to start and from which script; `undefined` means run in-thread. */
export function resolveWorkers(workers: number | 'auto' | undefined, script: string | URL | undefined): { count: number; script?: string | URL } {
  const requested = workers ?? 'auto';
  if (requested !== 'auto' && (!Number.isInteger(requested) || requested < 0)) {
    throw new ArgumentError('options.workers', `must be 'auto' or a non-negative integer, got ${String(requested)}`);
  }
  const count = requested === 'auto' ? autoWorkerCount() : requested;
  if (count === 0) return { count: 0 };
  const resolved = script ?? defaultWorkerScript();
  if (resolved === undefined) {
    // 'auto' degrades to in-thread (same results, only slower); an explicit count is a request we cannot meet.
    if (requested === 'auto') return { count: 0 };
    throw new ArgumentError('options.workers', `asks for ${count} workers but the worker script dist/worker/data-worker.js is not built; build @dkl/data or pass options.workerScript`);
  }
  return { count, script: resolved };
}

type Job = WorkerJob extends infer J ? (J extends WorkerJob ? Omit<J, 'id'> : never) : never;

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>;
}

/** Worker threads running data jobs (augmentation, decoding). */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closed = false;

  constructor(
    readonly size: number,
    script: string | URL,
  ) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(script);
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', (reply: WorkerReply) => {
        const p = slot.pending.get(reply.id);
        if (!p) return;
        slot.pending.delete(reply.id);
        if (slot.pending.size === 0) worker.unref();
        p.resolve(reply);
      });
      const fail = (error: Error): void => {
        for (const p of slot.pending.values()) p.reject(new DataError('data worker', `crashed: ${error.message}`, { cause: error }));
        slot.pending.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!this.closed) fail(new Error(`exited with code ${code}`));
      });
      worker.unref();
      this.slots.push(slot);
    }
  }

  /** Runs `job` on the least-busy worker; `transfer` lists buffers to move rather than copy. */
  run(job: Job, transfer: TransferListItem[] = []): Promise<WorkerReply> {
    if (this.closed) return Promise.reject(new DataError('data worker', 'pool is closed'));
    let slot = this.slots[0]!;
    for (const s of this.slots) if (s.pending.size < slot.pending.size) slot = s;
    const id = this.nextId++;
    return new Promise<WorkerReply>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      slot.worker.postMessage({ ...job, id }, transfer);
    });
  }

  /** Sends `message` to every worker (no reply; each worker sees it before any later job). */
  broadcast(message: ShareSlotMessage): void {
    if (this.closed) return;
    for (const s of this.slots) s.worker.postMessage(message);
  }

  /** Terminates every worker; pending jobs are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      this.slots.map(async (s) => {
        for (const p of s.pending.values()) p.reject(new DataError('data worker', 'pool closed while a job was pending'));
        s.pending.clear();
        await s.worker.terminate();
      }),
    );
  }
}
