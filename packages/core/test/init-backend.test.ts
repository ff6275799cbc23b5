import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, ConfigError, describeBackend, initBackend, resolveBackendCandidates, type ModuleImporter } from '../src/index.js';

const missing = (specifier: string) =>
  Object.assign(new Error(`Cannot find package '${specifier}' imported from /x.js`), { code: 'ERR_MODULE_NOT_FOUND' });

/** Simulates a machine where the native TensorFlow packages, our addon and Dawn are absent. */
const withoutNative: ModuleImporter = async (specifier) => {
  if (specifier.startsWith('@tensorflow/tfjs-node') || specifier === '@dkl/backend-native' || specifier === 'webgpu') throw missing(specifier);
  return import(specifier);
};

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('initBackend', () => {
  it('falls back past absent native packages to wasm and says what it skipped', async () => {
    const lines: string[] = [];
    const info = await initBackend({ importer: withoutNative, env: {}, log: (l) => lines.push(l) });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.forced).toBe(false);
    expect(info.skipped.map((s) => `${s.name}:${s.reason}`)).toEqual([
      'tensorflow-gpu:not installed',
      "webgpu:npm package 'webgpu' (Dawn, WebGPU for Node) not installed",
      'tensorflow:not installed',
      'dkl-native:not installed',
      'webgl:needs a browser (tfjs registers WebGL only there)',
    ]);
    expect(info.simd).toBe(true);
    expect(info.addedKernels).toContain('Conv2DBackpropFilter');
    expect(info.addedKernels).toContain('DepthwiseConv2dNativeBackpropFilter');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toBe(describeBackend(info));
    expect(lines[0]).toMatch(/backend wasm: @tensorflow\/tfjs-backend-wasm 4\.22\.0, 1 thread, SIMD on; skipped tensorflow-gpu \(not installed\)/);
  });

  it('reports a broken (not just absent) package with its error', async () => {
    const broken: ModuleImporter = async (s) => {
      if (s === '@dkl/backend-native') return { registerNativeBackend: async () => Promise.reject(new Error('libdnnl.so.2: cannot open')) };
      return withoutNative(s);
    };
    const info = await initBackend({ importer: broken, env: {}, log: false, prefer: ['dkl-native', 'cpu'] });
    expect(info.name).toBe('cpu');
    expect(info.skipped).toEqual([{ name: 'dkl-native', reason: 'failed to load: libdnnl.so.2: cannot open' }]);
  });

  it('DKL_BACKEND forces a backend; a forced missing one is an error, not a fallback', async () => {
    const info = await initBackend({ env: { DKL_BACKEND: 'cpu' }, log: false });
    expect(info).toMatchObject({ name: 'cpu', forced: true, skipped: [] });
    await expect(initBackend({ importer: withoutNative, env: { DKL_BACKEND: 'node' }, log: false })).rejects.toThrow(BackendError);
    await expect(initBackend({ importer: withoutNative, env: { DKL_BACKEND: 'cuda' }, log: false })).rejects.toThrow(
      /'tensorflow-gpu' was requested by DKL_BACKEND but is unavailable: not installed \(package @tensorflow\/tfjs-node-gpu\)/,
    );
    expect(tf.getBackend()).toBe('cpu');
  });

  it('validates backend names from the environment and from config', () => {
    expect(() => resolveBackendCandidates({ env: { DKL_BACKEND: 'tpu' } })).toThrow(ConfigError);
    expect(() => resolveBackendCandidates({ env: { DKL_BACKEND: 'tpu' } })).toThrow(/DKL_BACKEND.*allowed: tensorflow-gpu/);
    expect(() => resolveBackendCandidates({ env: {}, prefer: ['wasm', 'tpu'] })).toThrow(/backend\.prefer/);
    expect(resolveBackendCandidates({ env: {} }).candidates).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow', 'dkl-native', 'webgl', 'wasm', 'cpu']);
    expect(resolveBackendCandidates({ env: { DKL_BACKEND: 'native' } })).toEqual({ candidates: ['dkl-native'], forced: true });
  });
});
