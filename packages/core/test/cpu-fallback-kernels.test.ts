import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend, WASM_KERNELS_REPLACED } from '../src/index.js';

describe('kernels replaced on wasm', () => {
  it('OneHot with a float32 output and on/off values equals the cpu backend (stock wasm 4.22 gives zeros)', async () => {
    const info = await initBackend({ prefer: 'wasm', log: false });
    expect(WASM_KERNELS_REPLACED).toContain('OneHot');
    expect(info.addedKernels).toContain('OneHot');
    const labels = tf.tensor1d([2, 0, 1], 'int32');
    const onWasm = tf.oneHot(labels, 4, 0.9, 0.1 / 3, 'float32');
    expect(onWasm.dtype).toBe('float32');
    const wasmValues = Array.from(onWasm.dataSync());
    const ints = Array.from(tf.oneHot(labels, 4).dataSync());
    await initBackend({ prefer: 'cpu', log: false });
    const cpuValues = Array.from(tf.oneHot(tf.tensor1d([2, 0, 1], 'int32'), 4, 0.9, 0.1 / 3, 'float32').dataSync());
    expect(wasmValues).toEqual(cpuValues);
    expect(wasmValues[2]).toBeCloseTo(0.9, 6);
    expect(ints).toEqual([0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0]);
  });
});
