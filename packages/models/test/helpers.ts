import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

/** Deterministic pseudo-random NHWC batch in [0, 1). */
export function randomImages(batch: number, h: number, w: number, seed = 1): tf.Tensor4D {
  return tf.randomUniform([batch, h, w, 3], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** Reads a fixture's NCHW float32 input and returns it as NHWC. */
export function fixtureInput(name: string, shapeNCHW: number[]): tf.Tensor4D {
  const buf = readFileSync(path.join(FIXTURES, `${name}.input.f32`));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return tf.tidy(() => tf.transpose(tf.tensor4d(data, shapeNCHW as [number, number, number, number]), [0, 2, 3, 1]));
}

export function maxAbsDiff(a: tf.Tensor, b: number[][] | number[]): number {
  const x = a.arraySync() as number[][] | number[];
  const fa = (x as unknown[]).flat(Infinity) as number[];
  const fb = (b as unknown[]).flat(Infinity) as number[];
  if (fa.length !== fb.length) throw new Error(`length ${fa.length} vs ${fb.length}`);
  return Math.max(...fa.map((v, i) => Math.abs(v - fb[i]!)));
}
