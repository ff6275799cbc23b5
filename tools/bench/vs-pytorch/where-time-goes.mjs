// Where a training step's time goes, per kind of operation, in dkl-native and in PyTorch on the
// same cores: the "where the time goes" table of the vs-pytorch README, measured. dkl's side is
// tf.profile's kernel times; PyTorch's is torch.profiler's self CPU time per operator
// (profile_torch.py); "outside the kernels" is the profiled steps' wall time minus the kernels'
// sum (framework work: dkl's tape and dispatch, PyTorch's autograd engine and allocations). The
// step row is the median of unprofiled steps taken after the profiled ones (what the bench compares).
// Usage: OMP_WAIT_POLICY=PASSIVE node tools/bench/vs-pytorch/where-time-goes.mjs
//   [--models resnet8x4,wrn_16_2,resnet32x4] [--precision bf16|fp32] [--threads 2] [--batch 64]
//   [--steps 3] [--warmup 2] [--python /usr/bin/python3]
// --precision bf16 (default): dkl-native in bf16 against PyTorch's CPU autocast bf16 (channels
// last), the comparison of the bf16 goal; fp32: both in fp32.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@dkl/core';
import { registerNativeBackend, setNativeThreads } from '@dkl/backend-native';

import { arg, numArg } from '../args.mjs';
import { median } from '../timing.mjs';
import { makeModel } from './models.mjs';
import { fixedBatchTraining } from './train-step.mjs';

const models = arg('models', 'resnet8x4,wrn_16_2,resnet32x4').split(',');
const precision = arg('precision', 'bf16');
if (precision !== 'fp32' && precision !== 'bf16') throw new Error(`--precision must be fp32 or bf16, got '${precision}'`);
const threads = numArg('threads', 2);
const batch = numArg('batch', 64);
const steps = numArg('steps', 3);
const warmup = numArg('warmup', 2);
const python = arg('python', '/usr/bin/python3');
const here = dirname(fileURLToPath(import.meta.url));

/** The rows of the table, in order; each side's operations map onto them. */
const CATEGORIES = [
  'convolution forward',
  'convolution backward (data + weights)',
  'batch-norm forward + backward (dkl: ReLU fused in)',
  'ReLU forward + backward',
  'adds (residuals, gradient sums)',
  'dtype conversions (bf16 <-> fp32 copies)',
  'pooling, linear, loss',
  'optimizer (SGD update, zero_grad)',
  'other operations',
];
const [CONV_F, CONV_B, BN, RELU, ADD, CONVERT, HEAD, OPTIM, OTHER] = CATEGORIES;

/** A tfjs kernel name of dkl-native's step -> row. Its bf16 conversions happen inside the convolution kernels. */
function dklCategory(kernel) {
  if (/^(Conv2D|FusedConv2D)$/.test(kernel)) return CONV_F;
  if (/^Conv2DBackprop(Input|Filter)$/.test(kernel)) return CONV_B;
  if (/^DklBatchNorm/.test(kernel)) return BN;
  if (/^(Relu|DklReluGrad|ReluGrad|Step)$/.test(kernel)) return RELU;
  if (/^(Add|AddV2|AddN)$/.test(kernel)) return ADD;
  if (/^Cast$/.test(kernel)) return CONVERT;
  if (/Pool|^Mean$|MatMul|Softmax|^Log$|^Exp$|^Max$|^Sum$|^Sub$|^Neg$|^OneHot$|^Reshape$/.test(kernel)) return HEAD;
  if (/^DklSgdUpdate$/.test(kernel)) return OPTIM;
  return OTHER;
}

/** A PyTorch operator (with the phase it ran in) -> row. */
function torchCategory({ phase, name }) {
  if (phase === 'optimizer' || /zero_grad/.test(name)) return OPTIM;
  if (/convolution_backward/.test(name)) return CONV_B;
  if (/convolution|conv2d/.test(name)) return CONV_F;
  if (/batch_norm/i.test(name)) return BN;
  if (/relu|clamp_min|threshold_backward/i.test(name)) return RELU;
  if (/^aten::add_?$/.test(name)) return ADD;
  if (/^aten::(copy_|_to_copy|to)$|ToCopyBackward/.test(name)) return CONVERT;
  if (/pool|addmm|^aten::mm$|^aten::t$|softmax|nll_loss|cross_entropy/.test(name)) return HEAD;
  return OTHER;
}

/** Per row, the summed ms of `entries` ({ row, name, ms }); and, per name, those of the 'other' row. */
function tally(entries) {
  const rows = new Map(CATEGORIES.map((c) => [c, 0]));
  const others = new Map();
  for (const { row, name, ms } of entries) {
    rows.set(row, rows.get(row) + ms);
    if (row === OTHER) others.set(name, (others.get(name) ?? 0) + ms);
  }
  return { rows, others };
}

async function profileDkl(name) {
  const training = fixedBatchTraining(makeModel(name), batch);
  for (let s = 0; s < warmup; s++) training.step();
  const t0 = performance.now();
  const prof = await tf.profile(() => { for (let s = 0; s < steps; s++) training.step(); });
  const profiledMs = (performance.now() - t0) / steps;
  // Unprofiled steps after the profiled ones, as on PyTorch's side.
  const times = [];
  for (let s = 0; s < steps; s++) {
    const t1 = performance.now();
    training.step();
    times.push(performance.now() - t1);
  }
  training.dispose();
  const kernels = prof.kernels.map((k) => ({ row: dklCategory(k.name), name: k.name, ms: k.kernelTimeMs / steps }));
  return { stepMs: median(times), profiledMs, ...tally(kernels), calls: prof.kernels.length / steps };
}

function profileTorch(name) {
  const r = spawnSync(python, [join(here, 'profile_torch.py'), name, String(threads), String(batch), String(warmup), String(steps), precision], {
    encoding: 'utf8', cwd: here, env: { ...process.env, OMP_NUM_THREADS: String(threads) }, maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`PyTorch profile failed (${python}): ${r.stderr || r.error}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
  const ops = out.ops.map((op) => ({ row: torchCategory(op), name: op.name, ms: op.ms }));
  return { stepMs: out.step_ms, profiledMs: out.profiled_step_ms, ...tally(ops), calls: out.ops.reduce((s, o) => s + o.calls, 0), torch: out.torch };
}

const info = await registerNativeBackend();
setNativeThreads(threads);
const active = await initBackend({ prefer: ['dkl-native'], precision, log: false });
if (active.precision !== precision) throw new Error(`dkl-native runs ${active.precision} here (oneDNN ISA ${info.isa}), not ${precision}`);
const torchLabel = precision === 'bf16' ? 'PyTorch autocast bf16' : 'PyTorch fp32';
console.log(`dkl-native ${info.version} (oneDNN ${info.onednnVersion}, ${info.isa}) ${precision} vs ${torchLabel}; ${threads} threads, batch ${batch}, ` +
  `${warmup} warm-up + ${steps} timed + ${steps} profiled steps; load average ${os.loadavg()[0].toFixed(1)}. ms per step:`);
for (const name of models) {
  const torch = profileTorch(name);
  const dkl = await profileDkl(name);
  const fmt = (v) => v.toFixed(1);
  const outside = (side) => side.profiledMs - [...side.rows.values()].reduce((a, b) => a + b, 0);
  const largest = (others) => [...others].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
  console.log(`\n${name} (PyTorch ${torch.torch}; load average ${os.loadavg()[0].toFixed(1)})\n`);
  console.log(`| operations | ${torchLabel} | dkl-native ${precision} | PyTorch - dkl |`);
  console.log('|---|---|---|---|');
  for (const c of CATEGORIES) console.log(`| ${c} | ${fmt(torch.rows.get(c))} | ${fmt(dkl.rows.get(c))} | ${fmt(torch.rows.get(c) - dkl.rows.get(c))} |`);
  console.log(`| outside the kernels (framework) | ${fmt(outside(torch))} | ${fmt(outside(dkl))} | ${fmt(outside(torch) - outside(dkl))} |`);
  console.log(`| **step** (unprofiled median) | ${fmt(torch.stepMs)} | ${fmt(dkl.stepMs)} | ratio ${(torch.stepMs / dkl.stepMs).toFixed(2)} |`);
  console.log(`operator calls per step: PyTorch ${Math.round(torch.calls)}, dkl ${Math.round(dkl.calls)}; profiled step: PyTorch ${fmt(torch.profiledMs)}, dkl ${fmt(dkl.profiledMs)} ms`);
  console.log(`largest "other": PyTorch ${largest(torch.others)}; dkl ${largest(dkl.others)}`);
}
