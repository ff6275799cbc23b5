import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRng, sgdUpdate, type SgdUpdateOptions } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** PyTorch's SGD step written out element by element, rounding to float32 after every operation. */
function reference(w: number[], g: number[], buf: number[] | null, o: SgdUpdateOptions): { w: number[]; buf?: number[] } {
  const f = Math.fround;
  const outW: number[] = [], outB: number[] = [];
  w.forEach((wi, i) => {
    let d = o.weightDecay !== 0 ? f(g[i]! + f(wi * f(o.weightDecay))) : g[i]!;
    if (o.momentum !== 0) {
      const gd = o.dampening ? f(d * f(1 - o.dampening)) : d;
      const b = buf ? f(f(buf[i]! * f(o.momentum)) + gd) : d;
      outB.push(b);
      d = o.nesterov ? f(d + f(b * f(o.momentum))) : b;
    }
    outW.push(f(wi - f(d * f(o.learningRate))));
  });
  return o.momentum !== 0 ? { w: outW, buf: outB } : { w: outW };
}

const base: SgdUpdateOptions = { learningRate: 0.1, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: false };
const variants: Array<[string, Partial<SgdUpdateOptions>, boolean]> = [
  ['momentum + weight decay, first step', {}, false],
  ['momentum + weight decay', {}, true],
  ['no weight decay', { weightDecay: 0 }, true],
  ['dampening', { dampening: 0.3 }, true],
  ['nesterov', { nesterov: true }, true],
  ['plain SGD', { momentum: 0 }, false],
];

describe('sgdUpdate (portable path)', () => {
  for (const [name, over, withBuf] of variants) {
    it(`${name}: PyTorch's update, bit for bit`, () => {
      const rng = new SeededRng(7);
      const o = { ...base, ...over };
      const w = Array.from({ length: 37 }, () => rng.normal()), g = Array.from({ length: 37 }, () => rng.normal(0, 0.1));
      const b = withBuf ? Array.from({ length: 37 }, () => rng.normal(0, 0.1)) : null;
      const r = sgdUpdate(tf.tensor(w), tf.tensor(g), b ? tf.tensor(b) : null, o);
      const expected = reference(w.map(Math.fround), g.map(Math.fround), b ? b.map(Math.fround) : null, o);
      expect(Array.from(r.w.dataSync())).toEqual(expected.w);
      if (expected.buf) expect(Array.from(r.buf!.dataSync())).toEqual(expected.buf);
      else expect(r.buf).toBeUndefined();
    });
  }

  it('leaves no intermediate tensors behind', () => {
    const w = tf.ones([5]), g = tf.ones([5]), b = tf.ones([5]);
    const before = tf.memory().numTensors;
    const r = sgdUpdate(w, g, b, base);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([w, g, b, r.w, r.buf!]);
  });

  it('names the offending argument', () => {
    const w = tf.ones([2, 3]);
    expect(() => sgdUpdate(w, tf.ones([3, 2]), null, base)).toThrow(/'grad' must be \[2, 3\]/);
    expect(() => sgdUpdate(w, tf.ones([2, 3]), tf.ones([6]), base)).toThrow(/'buf' must be \[2, 3\]/);
    expect(() => sgdUpdate(w, tf.ones([2, 3]), tf.ones([2, 3]), { ...base, momentum: 0 })).toThrow(/'buf'.*momentum is 0/);
  });
});
