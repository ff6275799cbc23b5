/** Helpers the backend contributions share. */
import * as tf from '@tensorflow/tfjs';
import type { BackendProbe, ModuleImporter } from './backend-contribution.js';

/** True in Node.js (not in a browser or a web worker). */
export const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/** Makes `tfjsBackend` active and silences the "install tfjs-node" banner of cpu-based backends. */
export async function activateTfjsBackend(tfjsBackend: string): Promise<void> {
  const ok = await tf.setBackend(tfjsBackend);
  if (!ok) throw new Error(`tf.setBackend('${tfjsBackend}') failed`);
  await tf.ready();
  // We have already said which backend runs and why, so the banner is noise.
  for (const name of [tfjsBackend, 'cpu']) {
    const backend = tf.engine().findBackend(name) as { firstUse?: boolean } | null;
    if (backend && 'firstUse' in backend) backend.firstUse = false;
  }
}

function isMissingModule(error: unknown, specifier: string): boolean {
  const e = error as { code?: string; message?: string };
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && (e.message ?? '').includes(specifier);
}

/** Imports `specifier`; a missing package is "not installed", any other failure is reported as such. */
export async function probeImport(importer: ModuleImporter, specifier: string): Promise<{ module?: unknown; probe: BackendProbe }> {
  try {
    return { module: await importer(specifier), probe: { available: true } };
  } catch (error) {
    const reason = isMissingModule(error, specifier) ? 'not installed' : `failed to load: ${(error as Error)?.message ?? String(error)}`;
    return { probe: { available: false, reason, cause: error } };
  }
}

/** Logical CPU count without importing Node modules in a browser. */
export async function hardwareThreads(importer: ModuleImporter): Promise<number> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (nav?.hardwareConcurrency) return nav.hardwareConcurrency;
  if (!isNode) return 1;
  const os = (await importer('node:os')) as { cpus(): unknown[] };
  return os.cpus().length;
}
