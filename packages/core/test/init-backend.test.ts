import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, ConfigError, backendConfigSchema, describeBackend, initBackend, resolveBackendCandidates, type ModuleImporter } from '../src/index.js';

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

  describe('precision', () => {
    /** A stand-in for @dkl/backend-native that records the precision it is set to (it activates tfjs' cpu backend). */
    function fakeNative(supportsBf16: boolean) {
      const calls: string[] = [];
      const importer: ModuleImporter = async (s) => {
        if (s !== '@dkl/backend-native') return withoutNative(s);
        return {
          registerNativeBackend: async () => ({ name: 'cpu', version: '0.1.0', threads: 2, onednnVersion: '2.6.3', precision: 'fp32' }),
          setNativePrecision: (p: 'fp32' | 'bf16') => {
            calls.push(p);
            return p === 'bf16' && !supportsBf16 ? 'fp32' : p;
          },
        };
      };
      return { importer, calls };
    }

    it('hands the requested precision to dkl-native and reports the one in effect', async () => {
      const lines: string[] = [];
      const { importer, calls } = fakeNative(true);
      const info = await initBackend({ importer, env: {}, prefer: ['dkl-native'], precision: 'bf16', log: (l) => lines.push(l) });
      expect(calls).toEqual(['bf16']);
      expect(info.precision).toBe('bf16');
      expect(lines).toEqual([describeBackend(info)]);
      expect(lines[0]).toMatch(/backend dkl-native \(forced\): @dkl\/backend-native 0\.1\.0, oneDNN 2\.6\.3, 2 threads, SIMD on, precision bf16$/);
      const fallback = fakeNative(false);
      expect((await initBackend({ importer: fallback.importer, env: {}, prefer: ['dkl-native'], precision: 'bf16', log: false })).precision).toBe('fp32');
    });

    it('leaves dkl-native alone when DKL_NATIVE_PRECISION is set (the package applied it) or nothing is asked', async () => {
      const { importer, calls } = fakeNative(true);
      const saved = process.env['DKL_NATIVE_PRECISION'];
      process.env['DKL_NATIVE_PRECISION'] = 'fp32';
      try {
        expect((await initBackend({ importer, env: {}, prefer: ['dkl-native'], precision: 'bf16', log: false })).precision).toBe('fp32');
      } finally {
        if (saved === undefined) delete process.env['DKL_NATIVE_PRECISION'];
        else process.env['DKL_NATIVE_PRECISION'] = saved;
      }
      await initBackend({ importer, env: {}, prefer: ['dkl-native'], log: false });
      expect(calls).toEqual([]);
    });

    it('says in one line that bf16 does not apply to a backend without the switch', async () => {
      const lines: string[] = [];
      const info = await initBackend({ env: {}, prefer: ['cpu'], precision: 'bf16', log: (l) => lines.push(l) });
      expect(info.precision).toBe('fp32');
      expect(lines).toEqual([describeBackend(info), '[dkl] precision bf16 applies to dkl-native only: backend cpu runs fp32']);
      expect(describeBackend(info)).not.toMatch(/precision/);
    });

    it('validates backend.precision in config', () => {
      expect(backendConfigSchema.parse({ precision: 'bf16' })).toEqual({ precision: 'bf16' });
      expect(backendConfigSchema.safeParse({ precision: 'fp16' }).success).toBe(false);
    });
  });
});
