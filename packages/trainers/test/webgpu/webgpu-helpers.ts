/**
 * The webgpu suite's setup: SwiftShader (a software Vulkan driver, from Debian's chromium) as the
 * adapter, set up by the project's own helper; `DKL_WEBGPU_FULL=1` (`npm run test:webgpu`) runs
 * the full sizes, CI runs the small ones.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '@dkl/core';
import { expect } from 'vitest';
import { useSwiftShader } from '../../../../tools/setup/swiftshader.mjs';

export const FULL = process.env['DKL_WEBGPU_FULL'] === '1';

/** Points Vulkan at SwiftShader unless the caller set a driver, and activates webgpu (or fails saying why). */
export async function activateWebgpu(): Promise<void> {
  if (!process.env['VK_ICD_FILENAMES']) useSwiftShader();
  const info = await initBackend({ prefer: 'webgpu', log: false });
  console.info(`[webgpu suite] adapter: ${info.adapter?.vendor} ${info.adapter?.architecture} '${info.adapter?.description}'${info.adapter?.software ? ' (software)' : ''}; ${FULL ? 'full sizes (DKL_WEBGPU_FULL=1)' : 'CI sizes'}`);
}

export async function use(backend: BackendName): Promise<void> {
  await initBackend({ prefer: backend, log: false });
  expect(tf.getBackend()).toBe(backend);
}

/** Largest |a - b| / max(|b|, floor) over two equally long arrays. */
export function maxRelativeDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), floor));
  return worst;
}

/** Counts synchronous reads (`dataSync`, `arraySync`, backend `readSync`) while `fn` runs. */
export async function countSyncReads<T>(fn: () => Promise<T>): Promise<{ result: T; reads: number }> {
  let reads = 0;
  const proto = tf.Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const backend = tf.backend() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const patched: Array<[Record<string, (...a: unknown[]) => unknown>, string, (...a: unknown[]) => unknown]> = [];
  for (const [target, name] of [[proto, 'dataSync'], [proto, 'arraySync'], [backend, 'readSync']] as const) {
    const original = target[name]!;
    patched.push([target, name, original]);
    target[name] = function (this: unknown, ...args: unknown[]) {
      reads++;
      return original.apply(this, args);
    };
  }
  try {
    return { result: await fn(), reads };
  } finally {
    for (const [target, name, original] of patched) target[name] = original;
  }
}
