/**
 * WebGPU through `@tensorflow/tfjs-backend-webgpu`. In a browser it uses `navigator.gpu`; in Node
 * the optional `webgpu` npm package (Dawn, prebuilt inside the package) provides it on Vulkan
 * (Linux: NVIDIA, AMD, Intel), Metal (macOS) or D3D12 (Windows). The adapter is requested with
 * `powerPreference: 'high-performance'`. A software adapter (SwiftShader, llvmpipe, WARP) is
 * correct but slow: the automatic order skips it, `DKL_BACKEND=webgpu` uses it (tests do).
 */
import * as tf from '@tensorflow/tfjs';
import { activateTfjsBackend, isNode, probeImport } from '../activate.js';
import type { BackendContribution, BackendContext, BackendProbe, GpuAdapterDescription } from '../backend-contribution.js';

const TFJS_WEBGPU = '@tensorflow/tfjs-backend-webgpu';
const DAWN = 'webgpu';

interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  description?: string;
  device?: string;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<{ info?: AdapterInfoLike; isFallbackAdapter?: boolean } | null>;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render|warp/i;

/** What the adapter is, from `GPUAdapter.info`. */
export function describeAdapter(info: AdapterInfoLike | undefined, isFallbackAdapter = false): GpuAdapterDescription {
  const vendor = info?.vendor || 'unknown vendor';
  const architecture = info?.architecture || 'unknown architecture';
  const description = info?.description || info?.device || '';
  const software = isFallbackAdapter || info?.isFallbackAdapter === true || SOFTWARE.test(`${architecture} ${description} ${info?.device ?? ''}`);
  return { vendor, architecture, description, software };
}

let adapter: GpuAdapterDescription | undefined;

function navigatorGpu(): GpuLike | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

/** In Node: `navigator.gpu` from Dawn, and the WebGPU globals (GPUBufferUsage...) tfjs uses. */
async function installDawn(context: BackendContext): Promise<BackendProbe> {
  const imported = await probeImport(context.importer, DAWN);
  if (!imported.probe.available) return { ...imported.probe, reason: `npm package '${DAWN}' (Dawn, WebGPU for Node) ${imported.probe.reason}` };
  const dawn = imported.module as { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
  const missing = await missingVulkan(context);
  if (missing) return { available: false, reason: `no WebGPU adapter: ${missing}` };
  const g = globalThis as { navigator?: object };
  const gpu = dawn.create([]);
  for (const [key, value] of Object.entries(dawn.globals)) if (!(key in globalThis)) (globalThis as Record<string, unknown>)[key] = value;
  if (!g.navigator) g.navigator = { gpu };
  else Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  return { available: true };
}

/**
 * On Linux in Node, what is missing for Vulkan before Dawn is asked (so a machine without a GPU
 * driver gets a precise reason and no Vulkan-loader warnings on stderr); undefined when a driver
 * may be there. Elsewhere Dawn's answer is all there is.
 */
async function missingVulkan(context: BackendContext): Promise<string | undefined> {
  if (!isNode || process.platform !== 'linux') return undefined;
  const fs = (await context.importer('node:fs')) as { existsSync(p: string): boolean; readdirSync(p: string): string[] };
  const loader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib64/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].some((p) => fs.existsSync(p));
  if (!loader) return 'the Vulkan loader libvulkan.so.1 is missing (Debian/Ubuntu: apt-get install libvulkan1)';
  const icd = process.env['VK_ICD_FILENAMES'] ?? process.env['VK_DRIVER_FILES'];
  if (icd) {
    const absent = icd.split(':').filter((p) => p && !fs.existsSync(p));
    return absent.length ? `VK_ICD_FILENAMES names missing files: ${absent.join(', ')}` : undefined;
  }
  const dataDirs = (process.env['XDG_DATA_DIRS'] || '/usr/local/share:/usr/share').split(':');
  const icdDirs = ['/etc/vulkan/icd.d', ...dataDirs.map((d) => `${d}/vulkan/icd.d`)];
  const drivers = icdDirs.some((d) => fs.existsSync(d) && fs.readdirSync(d).some((f) => f.endsWith('.json')));
  return drivers ? undefined : `no Vulkan driver (ICD) is installed (none in ${icdDirs.join(', ')}): a GPU driver with Vulkan support, or a software one through VK_ICD_FILENAMES`;
}

async function probe(context: BackendContext): Promise<BackendProbe> {
  if (!navigatorGpu()) {
    if (!isNode) return { available: false, reason: 'this browser has no navigator.gpu' };
    const dawn = await installDawn(context);
    if (!dawn.available) return dawn;
  }
  let found: Awaited<ReturnType<GpuLike['requestAdapter']>>;
  try {
    found = await navigatorGpu()!.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { available: false, reason: `requestAdapter failed: ${(error as Error).message}`, cause: error };
  }
  if (!found) return { available: false, reason: `no WebGPU adapter: ${(await missingVulkan(context)) ?? 'no driver gave one (Dawn prints why above)'}` };
  adapter = describeAdapter(found.info, found.isFallbackAdapter);
  if (adapter.software && !context.forced) {
    return { available: false, reason: `only a software adapter (${adapter.description || adapter.architecture}); used when named alone (DKL_BACKEND=webgpu, prefer: 'webgpu')` };
  }
  // The page (bundler) imports the backend itself; in Node we import it once navigator.gpu exists,
  // because it registers itself only then.
  if (tf.findBackendFactory('webgpu')) return { available: true };
  try {
    await context.importer(TFJS_WEBGPU);
  } catch (error) {
    return { available: false, reason: `${TFJS_WEBGPU} is not installed or does not load: ${(error as Error).message}`, cause: error };
  }
  return tf.findBackendFactory('webgpu') ? { available: true } : { available: false, reason: `${TFJS_WEBGPU} did not register a backend` };
}

export const webgpuBackend: BackendContribution = {
  name: 'webgpu',
  package: TFJS_WEBGPU,
  priority: 90,
  probe,
  activate: async () => {
    await activateTfjsBackend('webgpu');
    return { tfjsBackend: 'webgpu', version: `${TFJS_WEBGPU} ${tf.version_core}`, threads: 1, simd: false, addedKernels: [], ...(adapter ? { adapter } : {}) };
  },
};
