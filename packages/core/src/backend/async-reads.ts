/**
 * GPU backends read tensor values back to JavaScript asynchronously: WebGPU has no synchronous
 * readback at all in Node (tfjs' `readSync` for webgpu needs a browser's OffscreenCanvas), and in
 * a browser a synchronous read (WebGPU or WebGL) stalls the GPU pipeline. Code on the per-step hot
 * path asks this before calling `dataSync`, and reads with `await data()` or skips an optional
 * check instead.
 */
import * as tf from '@tensorflow/tfjs';

const ASYNC_ONLY = new Set(['webgpu', 'webgl']);

/** True when the active tfjs backend should only be read asynchronously (webgpu, webgl). */
export function asyncReadsOnly(): boolean {
  return ASYNC_ONLY.has(tf.getBackend());
}
