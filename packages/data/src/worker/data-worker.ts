/**
 * Worker-thread entry: augments batches and decodes images off the training thread. Imports only
 * pure kernels and the image decoders (no tfjs, no @dkl/core; sharp is loaded on the first
 * streaming batch), so it starts fast.
 */
import { parentPort } from 'node:worker_threads';
import { decodeImageBytes } from '../datasets/decode-image.js';
import { createScratch, runPipeline, type KernelScratch } from '../transforms/kernels.js';
import { importImageTransforms } from '../transforms/registry.js';
import type { CompiledPipeline } from '../transforms/spec.js';
import { setDecoderThreads } from '../streaming/decode-file.js';
import { loadAndAugment } from '../streaming/load-batch.js';
import type { LoadAugmentJob, ShareSlotMessage, WorkerJob, WorkerReply } from './protocol.js';

let scratch: { pipeline: string; buffers: KernelScratch } | undefined;

function scratchFor(pipeline: CompiledPipeline): KernelScratch {
  const key = JSON.stringify([pipeline.inShape, pipeline.steps.map((s) => s.outShape)]);
  if (scratch?.pipeline !== key) scratch = { pipeline: key, buffers: createScratch(pipeline) };
  return scratch.buffers;
}

const fileScratch: KernelScratch[] = [];

/** Shared batch slots the loader gave this worker (shared-batch-slots.ts), by slot id. */
const slots = new Map<number, Float32Array>();

/** Where to write the batch: its shared slot, else the array the loader sent (memory already paged in) when it has the right length, else a fresh one. */
function outArray(job: { readonly out?: Float32Array; readonly outSlot?: number }, length: number): Float32Array {
  const shared = job.outSlot === undefined ? undefined : slots.get(job.outSlot);
  if (shared?.length === length) return shared;
  return job.out?.length === length ? job.out : new Float32Array(length);
}

/** Replies with the batch: nothing to send when it is in a shared slot, else the array, moved. */
function replyBatch(id: number, x: Float32Array, rest: { kept: Int32Array; bad: { row: number; message: string }[] } | undefined): void {
  const inSlot = x.buffer instanceof SharedArrayBuffer;
  const transfer = [...(inSlot ? [] : [x.buffer as ArrayBuffer]), ...(rest ? [rest.kept.buffer as ArrayBuffer] : [])];
  parentPort!.postMessage({ id, ok: true, ...(inSlot ? {} : { x }), ...rest } satisfies WorkerReply, transfer);
}

let decoderThreadsSet = false;

async function augment(job: Extract<WorkerJob, { type: 'augment' }>): Promise<void> {
  await importImageTransforms(job.pipeline);
  const [h, w, c] = job.pipeline.outShape;
  const x = outArray(job, job.count * h * w * c);
  runPipeline(job.pipeline, job.images, job.count, job.params, x, scratchFor(job.pipeline));
  replyBatch(job.id, x, undefined);
}

async function loadAugment(job: LoadAugmentJob): Promise<void> {
  await importImageTransforms(job.pipeline);
  if (!decoderThreadsSet) {
    // Parallelism comes from the worker count; one libvips thread per worker avoids oversubscription.
    await setDecoderThreads(1);
    decoderThreadsSet = true;
  }
  const { x, kept, bad } = await loadAndAugment(job.pipeline, job.files, job.channels, job.params, fileScratch, (n) => outArray(job, n));
  replyBatch(job.id, x, { kept, bad });
}

parentPort?.on('message', (job: WorkerJob | ShareSlotMessage) => {
  if (job.type === 'share-slot') {
    slots.set(job.slot, new Float32Array(job.sab));
    return;
  }
  try {
    const fail = (error: unknown) => parentPort!.postMessage({ id: job.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies WorkerReply);
    if (job.type === 'load-augment') {
      loadAugment(job).catch(fail);
    } else if (job.type === 'augment') {
      augment(job).catch(fail);
    } else {
      const img = decodeImageBytes(job.bytes, job.kind, job.channels);
      const data = img.data;
      parentPort!.postMessage({ id: job.id, ok: true, width: img.width, height: img.height, data } satisfies WorkerReply, [data.buffer as ArrayBuffer]);
    }
  } catch (error) {
    parentPort!.postMessage({ id: job.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies WorkerReply);
  }
});
