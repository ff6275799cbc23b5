// tfjs on dkl-native vs PyTorch: training steps of CIFAR ResNets, same script.
// Usage: node tools/bench/vs-pytorch/bench.mjs [--models resnet8x4,wrn_16_2,resnet32x4]
//   [--steps 5] [--warmup 2] [--rounds 1] [--batch 64] [--threads N] [--bn fused|composite] [--python /usr/bin/python3]
//   [--precision fp32|bf16]
// --precision bf16 runs dkl-native in bf16 and adds PyTorch with CPU autocast bf16 (channels last)
// next to PyTorch fp32, all in the same rounds.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

import { initBackend } from '@dkl/core';
import { registerNativeBackend, setNativeThreads } from '@dkl/backend-native';

import { makeModel, setBatchNormMode } from './models.mjs';
import { fixedBatchTraining } from './train-step.mjs';
import { arg } from '../args.mjs';

const models = arg('models', 'resnet8x4,wrn_16_2,resnet32x4').split(',');
const steps = Number(arg('steps', '5'));
const warmup = Number(arg('warmup', '2'));
const batch = Number(arg('batch', '64'));
const threads = Number(arg('threads', String(os.availableParallelism?.() ?? os.cpus().length)));
const bn = arg('bn', 'fused');
const rounds = Number(arg('rounds', '1'));
const python = arg('python', '/usr/bin/python3');
const precision = arg('precision', 'fp32');
if (precision !== 'fp32' && precision !== 'bf16') throw new Error(`--precision must be fp32 or bf16, got '${precision}'`);
const bf16 = precision === 'bf16';
const here = dirname(fileURLToPath(import.meta.url));

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const info = await registerNativeBackend();
setNativeThreads(threads);
// Activates it (silencing tfjs's banner) and sets the precision; bf16 falls back to fp32 with one
// printed line where oneDNN has no AVX512_BF16.
const active = await initBackend({ prefer: ['dkl-native'], precision, log: false });
if (bf16 && active.precision !== 'bf16') throw new Error(`dkl-native cannot run bf16 here (oneDNN ISA ${info.isa}); run with --precision fp32`);
setBatchNormMode(bn);
console.log(`dkl-native ${info.version}, oneDNN ${info.onednnVersion} (${info.isa}), ${threads} threads, precision ${active.precision}, batch-norm: ${bn}; ` +
  `batch ${batch}, 32x32x3, 100 classes, SGD(0.9, wd 5e-4), ${warmup} warm-up + ${steps} timed steps; load avg ${os.loadavg()[0].toFixed(1)}`);

function runTfjs(name) {
  const training = fixedBatchTraining(makeModel(name), batch);
  const times = [], cpu = [], losses = [];
  for (let s = 0; s < warmup + steps; ++s) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    losses.push(training.step());
    const dc = process.cpuUsage(c0);
    if (s >= warmup) {
      times.push((performance.now() - t0) / 1000);
      cpu.push((dc.user + dc.system) / 1e6);
    }
  }
  training.dispose();
  return { times, cpu, losses };
}

function runTorch(name, torchPrecision = 'fp32') {
  const r = spawnSync(python, [join(here, 'bench_torch.py'), name, String(threads), String(batch), String(warmup), String(steps), torchPrecision], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: String(threads) },
  });
  if (r.status !== 0) throw new Error(`PyTorch run failed (${python}): ${r.stderr || r.error}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const fmt = (xs) => xs.map((l) => l.toFixed(2)).join(' ');

// Rounds alternate PyTorch and tfjs per model so both see similar machine load.
const rows = [];
for (const name of models) {
  const torch = { times: [], cpu: [], losses: [] }, torchBf16 = { times: [], cpu: [], losses: [] }, ours = { times: [], cpu: [], losses: [] };
  let version = '';
  for (let r = 0; r < rounds; ++r) {
    const t = runTorch(name);
    version = t.torch;
    const tb = bf16 ? runTorch(name, 'bf16') : undefined;
    const o = runTfjs(name);
    for (const k of ['times', 'cpu']) { torch[k].push(...t[k]); ours[k].push(...o[k]); if (tb) torchBf16[k].push(...tb[k]); }
    torch.losses = t.losses; ours.losses = o.losses;
    if (tb) torchBf16.losses = tb.losses;
  }
  const row = {
    name,
    torchMs: median(torch.times) * 1000, oursMs: median(ours.times) * 1000,
    torchCpu: median(torch.cpu), oursCpu: median(ours.cpu),
  };
  row.tImg = batch / (row.torchMs / 1000);
  row.oImg = batch / (row.oursMs / 1000);
  if (bf16) {
    row.tbMs = median(torchBf16.times) * 1000;
    row.tbImg = batch / (row.tbMs / 1000);
  }
  rows.push(row);
  console.log(`${name}: PyTorch ${version} fp32 ${row.torchMs.toFixed(0)} ms/step (${row.tImg.toFixed(1)} img/s, ${row.torchCpu.toFixed(2)} cpu-s), ` +
    (bf16 ? `PyTorch autocast bf16 ${row.tbMs.toFixed(0)} ms/step (${row.tbImg.toFixed(1)} img/s), ` : '') +
    `dkl-native ${precision} ${row.oursMs.toFixed(0)} ms/step (${row.oImg.toFixed(1)} img/s, ${row.oursCpu.toFixed(2)} cpu-s), ratio ${(row.oImg / row.tImg).toFixed(2)}; ` +
    `losses torch ${fmt(torch.losses)}${bf16 ? ` | torch bf16 ${fmt(torchBf16.losses)}` : ''} | ours ${fmt(ours.losses)}`);
}
if (bf16) {
  console.log('\n| model | PyTorch fp32 ms/step | PyTorch autocast bf16 ms/step | dkl-native bf16 ms/step | dkl-native img/s | ratio vs PyTorch fp32 | ratio vs PyTorch bf16 |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.torchMs.toFixed(0)} | ${r.tbMs.toFixed(0)} | ${r.oursMs.toFixed(0)} | ${r.oImg.toFixed(1)} | ` +
      `${(r.oImg / r.tImg).toFixed(2)} | ${(r.oImg / r.tbImg).toFixed(2)} |`);
  }
} else {
  console.log('\n| model | PyTorch ms/step | PyTorch img/s | dkl-native ms/step | dkl-native img/s | ratio img/s (ours/PyTorch) | PyTorch cpu-s/step | dkl-native cpu-s/step | ratio by cpu time |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${r.torchMs.toFixed(0)} | ${r.tImg.toFixed(1)} | ${r.oursMs.toFixed(0)} | ${r.oImg.toFixed(1)} | ` +
      `${(r.oImg / r.tImg).toFixed(2)} | ${r.torchCpu.toFixed(2)} | ${r.oursCpu.toFixed(2)} | ${(r.torchCpu / r.oursCpu).toFixed(2)} |`);
  }
}
console.log(`load average after the run: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machine: compare ratios, not absolute numbers)`);
