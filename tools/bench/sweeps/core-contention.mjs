#!/usr/bin/env node
/**
 * What two single-threaded processes do to each other on this machine, without dkl: each kind of
 * work is timed in one process alone, then in two processes side by side. A slow-down near 0
 * means the two cores do not share that resource; the sweep bench's "plain" ratio is the effect
 * of all of them on real trials.
 *   node tools/bench/sweeps/core-contention.mjs [--rounds 2]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { numArg } from '../args.mjs';

/** Passes over an array of `length` float64s, adding one to each element. */
function passes(length, count) {
  const a = new Float64Array(length);
  let sum = 0;
  for (let r = 0; r < count; r++) for (let i = 0; i < a.length; i++) sum += a[i] += 1;
  return sum;
}

/** Each kind of work, returning a value that depends on all of it (so none is optimised away). */
const kinds = {
  /** One chain of integer multiply-adds: the core's own latency. */
  'integer chain': () => {
    let x = 1;
    for (let i = 0; i < 1.5e9; i++) x = (Math.imul(x, 1103515245) + 12345) | 0;
    return x;
  },
  /** Eight independent float multiply-add chains: the core's floating-point units kept busy. */
  'float throughput': () => {
    const a = new Float64Array(8).fill(1);
    let [a0, a1, a2, a3, a4, a5, a6, a7] = a;
    for (let i = 0; i < 4e8; i++) {
      a0 = a0 * 0.9999999 + 1e-7; a1 = a1 * 0.9999998 + 1e-7; a2 = a2 * 0.9999997 + 1e-7; a3 = a3 * 0.9999996 + 1e-7;
      a4 = a4 * 0.9999995 + 1e-7; a5 = a5 * 0.9999994 + 1e-7; a6 = a6 * 0.9999993 + 1e-7; a7 = a7 * 0.9999992 + 1e-7;
    }
    return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
  },
  /** 240 passes over 16 MB: the shared last-level cache. */
  'cache 16 MB': () => passes(2 << 20, 240),
  /** 60 passes over 64 MB: memory bandwidth. */
  'memory 64 MB': () => passes(8 << 20, 60),
  /** 40 fresh 32 MB arrays, one write per 4 KB page: the cost of a page's first touch (a fault). */
  'fresh pages': () => {
    let sum = 0;
    for (let r = 0; r < 40; r++) {
      const a = new Float64Array(4 << 20);
      for (let i = 0; i < a.length; i += 512) a[i] = r;
      sum += a[0];
    }
    return sum;
  },
};

/** Milliseconds of each of `copies` processes started together, each doing `kind`. */
function timed(kind, copies) {
  const self = fileURLToPath(import.meta.url);
  return Promise.all(
    Array.from({ length: copies }, () => new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [self, '--work', kind], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(Number.parseFloat(out)) : reject(new Error(`'${kind}' process exited with ${code}`))));
    })),
  );
}

const workIndex = process.argv.indexOf('--work');
if (workIndex >= 0) {
  const started = performance.now();
  const value = kinds[process.argv[workIndex + 1]]();
  process.stdout.write(`${performance.now() - started} (${value})\n`);
} else {
  const rounds = numArg('rounds', 2);
  console.log(`one process alone vs two side by side, ${rounds} rounds each`);
  for (const kind of Object.keys(kinds)) {
    for (let r = 0; r < rounds; r++) {
      const [alone] = await timed(kind, 1);
      const pair = await timed(kind, 2);
      const slowdown = Math.max(...pair) / alone - 1;
      console.log(`${kind.padEnd(16)} alone ${alone.toFixed(0)} ms, side by side ${pair.map((m) => m.toFixed(0)).join(' / ')} ms: slower by ${(100 * slowdown).toFixed(0)} %`);
    }
  }
}
