/**
 * The backends core knows without any other package being imported: libtensorflow (tfjs-node,
 * tfjs-node-gpu), @dkl/backend-native, WebGL (browsers), wasm and the pure-JS cpu backend. Each
 * imports its package lazily, so a missing optional package is "not installed", not a crash.
 * WebGPU is in `webgpu-backend.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { activateTfjsBackend, hardwareThreads, isNode, probeImport } from '../activate.js';
import type { BackendContribution, BackendContext, ComputePrecision, ModuleImporter } from '../backend-contribution.js';
import { registerCpuFallbackKernels, WASM_KERNELS_REPLACED } from '../cpu-fallback-kernels.js';
import { registerWasmConvGradKernels } from '../wasm-conv-grad-kernels.js';

const notInBrowser = { available: false, reason: 'needs Node.js' } as const;

/** tfjs-node and tfjs-node-gpu both register tfjs backend 'tensorflow'. */
function libtensorflow(name: string, pkg: string, priority: number, aliases: string[]): BackendContribution {
  return {
    name,
    aliases,
    package: pkg,
    priority,
    probe: async ({ importer }) => (isNode ? (await probeImport(importer, pkg)).probe : notInBrowser),
    activate: async ({ importer }) => {
      const mod = (await importer(pkg)) as { version?: { 'tfjs-node'?: string } };
      await activateTfjsBackend('tensorflow');
      const threads = await hardwareThreads(importer);
      return { tfjsBackend: 'tensorflow', version: `${pkg} ${mod.version?.['tfjs-node'] ?? tf.version_core}`, threads, simd: true, addedKernels: [] };
    },
  };
}

interface NativeModule {
  registerNativeBackend(): Promise<{ name: string; version: string; threads: number; onednnVersion?: string; precision?: ComputePrecision }>;
  setNativePrecision?(precision: ComputePrecision): ComputePrecision;
}

/**
 * Applies the requested precision unless DKL_NATIVE_PRECISION (which the package applied on
 * registration) overrides it; returns the precision in effect.
 */
function nativePrecision(mod: NativeModule, registered: ComputePrecision | undefined, requested: ComputePrecision | undefined): ComputePrecision | undefined {
  if (!requested || process.env['DKL_NATIVE_PRECISION'] || !mod.setNativePrecision) return registered;
  return mod.setNativePrecision(requested);
}

const dklNative: BackendContribution = {
  name: 'dkl-native',
  aliases: ['native', 'onednn'],
  package: '@dkl/backend-native',
  priority: 70,
  probe: async ({ importer }) => (isNode ? (await probeImport(importer, '@dkl/backend-native')).probe : notInBrowser),
  activate: async ({ importer, precision: requested }) => {
    const mod = (await importer('@dkl/backend-native')) as NativeModule;
    const info = await mod.registerNativeBackend();
    await activateTfjsBackend(info.name);
    const version = `@dkl/backend-native ${info.version}${info.onednnVersion ? `, oneDNN ${info.onednnVersion}` : ''}`;
    const precision = nativePrecision(mod, info.precision, requested);
    return { tfjsBackend: info.name, version, threads: info.threads, simd: true, addedKernels: [], ...(precision ? { precision } : {}) };
  },
};

const webgl: BackendContribution = {
  name: 'webgl',
  package: '@tensorflow/tfjs-backend-webgl',
  priority: 65,
  // @tensorflow/tfjs registers WebGL only in a browser.
  probe: async () =>
    tf.findBackendFactory('webgl') ? { available: true } : { available: false, reason: 'needs a browser (tfjs registers WebGL only there)' },
  activate: async () => {
    await activateTfjsBackend('webgl');
    return { tfjsBackend: 'webgl', version: `@tensorflow/tfjs-backend-webgl ${tf.version_core}`, threads: 1, simd: false, addedKernels: [] };
  },
};

async function wasmModule(importer: ModuleImporter): Promise<unknown> {
  // In a bundle the page imports the package itself (a bundler needs a static import).
  return tf.findBackendFactory('wasm') ? {} : importer('@tensorflow/tfjs-backend-wasm');
}

const wasm: BackendContribution = {
  name: 'wasm',
  package: '@tensorflow/tfjs-backend-wasm',
  priority: 60,
  probe: async ({ importer }) => (await probeImport((s) => (s === '@tensorflow/tfjs-backend-wasm' ? wasmModule(importer) : importer(s)), '@tensorflow/tfjs-backend-wasm')).probe,
  activate: async ({ importer }) => {
    const mod = (await wasmModule(importer)) as { version_wasm?: string };
    await activateTfjsBackend('wasm');
    const addedKernels = [...registerWasmConvGradKernels('wasm'), ...registerCpuFallbackKernels('wasm', WASM_KERNELS_REPLACED)];
    const threaded = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    return {
      tfjsBackend: 'wasm',
      version: `@tensorflow/tfjs-backend-wasm ${mod.version_wasm ?? tf.version_core}`,
      threads: threaded ? await hardwareThreads(importer) : 1,
      simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
      addedKernels,
    };
  },
};

const cpu: BackendContribution = {
  name: 'cpu',
  package: '@tensorflow/tfjs-backend-cpu',
  priority: 0,
  probe: async () => ({ available: true }),
  activate: async (_context: BackendContext) => {
    await activateTfjsBackend('cpu');
    return { tfjsBackend: 'cpu', version: `@tensorflow/tfjs-backend-cpu ${tf.version_core}`, threads: 1, simd: false, addedKernels: [] };
  },
};

/** Core's backends other than WebGPU. */
export const BUILTIN_BACKENDS: readonly BackendContribution[] = [
  libtensorflow('tensorflow-gpu', '@tensorflow/tfjs-node-gpu', 100, ['cuda', 'gpu', 'tfjs-node-gpu']),
  libtensorflow('tensorflow', '@tensorflow/tfjs-node', 80, ['node', 'tfjs-node']),
  dklNative,
  webgl,
  wasm,
  cpu,
];
