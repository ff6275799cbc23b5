import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  BackendError,
  backendRegistry,
  BackendRegistry,
  describeAdapter,
  initBackend,
  registerBackendContribution,
  resolveBackendCandidates,
  type BackendContribution,
} from '../src/index.js';

afterAll(async () => {
  await tf.setBackend('cpu');
});

/** A third-party backend: tfjs' cpu kernels under another name, contributed like a package would. */
function cpuClone(name: string, priority: number, available = true): BackendContribution {
  return {
    name,
    aliases: [`${name}-alias`],
    package: `example-${name}`,
    priority,
    probe: async () => (available ? { available: true } : { available: false, reason: `${name} needs a device this machine lacks` }),
    activate: async () => {
      if (!tf.findBackend(name)) {
        const cpu = tf.findBackend('cpu')!;
        tf.registerBackend(name, () => new (cpu.constructor as new () => tf.KernelBackend)());
        for (const k of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...k, backendName: name });
      }
      await tf.setBackend(name);
      return { tfjsBackend: name, version: `example-${name} 1.0.0`, threads: 1, simd: false, addedKernels: [] };
    },
  };
}

describe('backend contributions', () => {
  it('a registered backend joins DKL_BACKEND, prefer and the automatic order by priority', async () => {
    registerBackendContribution(cpuClone('third-party', 75));
    registerBackendContribution(cpuClone('absent-device', 95, false));
    expect(resolveBackendCandidates({ env: {} }).candidates).toEqual([
      'tensorflow-gpu',
      'absent-device',
      'webgpu',
      'tensorflow',
      'third-party',
      'dkl-native',
      'webgl',
      'wasm',
      'cpu',
    ]);
    expect(resolveBackendCandidates({ env: { DKL_BACKEND: 'third-party-alias' } })).toEqual({ candidates: ['third-party'], forced: true });
    const info = await initBackend({ env: {}, prefer: ['absent-device', 'third-party', 'cpu'], log: false });
    expect(info).toMatchObject({ name: 'third-party', package: 'example-third-party', forced: false });
    expect(info.skipped).toEqual([{ name: 'absent-device', reason: 'absent-device needs a device this machine lacks' }]);
    expect(tf.getBackend()).toBe('third-party');
    await expect(initBackend({ env: { DKL_BACKEND: 'absent-device' }, log: false })).rejects.toThrow(
      "backend 'absent-device' was requested by DKL_BACKEND but is unavailable: absent-device needs a device this machine lacks (package example-absent-device)",
    );
  });

  it('a name or alias taken twice is an error naming it', () => {
    const registry = new BackendRegistry();
    registry.register(cpuClone('one', 1));
    expect(() => registry.register(cpuClone('one', 2))).toThrow(ArgumentError);
    expect(() => registry.register({ ...cpuClone('two', 2), aliases: ['one-alias'] })).toThrow(/'one-alias' is already registered/);
    expect(() => backendRegistry.register(cpuClone('cpu', 3))).toThrow(/'cpu' is already registered/);
  });

  it('software adapters are recognised from the adapter info', () => {
    expect(describeAdapter({ vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' })).toEqual({
      vendor: 'google',
      architecture: 'swiftshader',
      description: 'SwiftShader driver 5.0.0',
      software: true,
    });
    expect(describeAdapter({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software).toBe(true);
    expect(describeAdapter({ vendor: 'nvidia', architecture: 'ampere', description: 'NVIDIA GeForce RTX 3090' }).software).toBe(false);
    expect(describeAdapter({ vendor: 'nvidia', architecture: 'ampere' }, true).software).toBe(true);
  });
});

describe('DKL_BACKEND=webgpu without an adapter', () => {
  it('is a BackendError naming what is missing (real Dawn, Vulkan pointed at a driver file that does not exist)', async () => {
    // This process has not created a WebGPU instance yet: the Vulkan loader reads the variable now.
    const saved = process.env['VK_ICD_FILENAMES'];
    process.env['VK_ICD_FILENAMES'] = '/nonexistent/dkl-test/vk_icd.json';
    try {
      const error = await initBackend({ env: { DKL_BACKEND: 'webgpu' }, log: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BackendError);
      expect((error as Error).message).toBe(
        "backend 'webgpu' was requested by DKL_BACKEND but is unavailable: no WebGPU adapter: VK_ICD_FILENAMES names missing files: /nonexistent/dkl-test/vk_icd.json (package @tensorflow/tfjs-backend-webgpu)",
      );
      // Not forced: skipped with the same reason, and the next backend runs.
      const info = await initBackend({ env: {}, prefer: ['webgpu', 'cpu'], log: false });
      expect(info.name).toBe('cpu');
      expect(info.skipped).toEqual([{ name: 'webgpu', reason: 'no WebGPU adapter: VK_ICD_FILENAMES names missing files: /nonexistent/dkl-test/vk_icd.json' }]);
    } finally {
      if (saved === undefined) delete process.env['VK_ICD_FILENAMES'];
      else process.env['VK_ICD_FILENAMES'] = saved;
    }
  });
});
