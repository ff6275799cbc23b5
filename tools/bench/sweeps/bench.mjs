#!/usr/bin/env node
// Sweeps on BullMQ: queue overhead per trial and the wall time of a 12-trial sweep on 1 vs 2
// workers (1 thread each). Starts its own redis-server (loopback, free port, temporary directory,
// appendonly yes) and real `dkl worker` processes; build first (npm run build).
//   node tools/bench/sweeps/bench.mjs [--workload synthetic|fashion-mnist|fashion-mnist-resnet8] [--trials 12] [--overhead-trials 5] [--epochs N]
//     [--rounds 1] [--no-plain] [--fresh-processes]
// --workload: what each trial trains (1 thread):
//   synthetic (default): tiny_cnn on 8x8 synthetic images, 300 epochs of 16 steps, a checkpoint per
//     epoch (20 fsynced snapshots a second): a stress case of short kernels, allocations and I/O;
//     ~15 s per trial;
//   fashion-mnist: tiny_cnn on 1,000 Fashion-MNIST images at 32x32 (the KD study's student and
//     transforms), 12 epochs of 16 steps, a checkpoint per epoch: a trial of the experiments' kind;
//     ~5 s in a reused trial process, ~12 s in a fresh one;
//   fashion-mnist-resnet8: the same data and schedule with resnet8 (the CIFAR students' family),
//     16 epochs: a trial whose time goes to convolutions rather than to memory traffic and
//     per-step overhead; ~18 s in a reused trial process.
// --rounds R: the 1-worker and 2-worker sweeps (and the plain baseline) R times, interleaved, with
// each round's ratio and their median: a noisy VM moves a single round's ratio by several percent.
// (--epochs sets the trial length; the goals speak of 20-second trials)
// Overhead: submit -> start = the job's processedOn minus when it became runnable (its submission,
// or its worker's previous job's finish); result -> visible = the job's finishedOn (the result in
// Redis, what status / report read) minus the trial's summary.json write. Ratios: overhead per
// 20-second trial, and 2-worker wall time against half the 1-worker time; then the same trials as
// plain `dkl train` processes 1 and 2 at a time (no queue), what the machine itself allows.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { arg, numArg } from '../args.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const require = createRequire(join(root, 'packages/sweeps/package.json'));
const { Queue } = await import(require.resolve('bullmq'));
const { stringify } = await import(require.resolve('yaml'));
const DKL = join(root, 'packages/cli/bin/dkl.mjs');
const trials = numArg('trials', 12);
const overheadTrials = numArg('overhead-trials', 5);
/** The KD study's Fashion-MNIST student data: 1,000 training images at 32x32 with its transforms. */
function fashionMnistTrialData() {
  const shape = [{ kind: 'pad-resize', to: [32, 32, 3] }, { kind: 'normalize', mean: [0.286], std: [0.353] }];
  return {
    dataset: { name: 'fashion-mnist', options: {} },
    train: { split: 'train', batchSize: 64, subset: { perClass: 100 }, transforms: [...shape, { kind: 'random-crop', padding: 2 }] },
    eval: { test: { split: 'test', batchSize: 250, subset: { perClass: 50 }, transforms: shape } },
  };
}
const workloads = {
  synthetic: {
    model: 'tiny_cnn',
    epochs: 300,
    data: { dataset: { name: 'synthetic', options: { shape: [8, 8, 3], numClasses: 4, trainSize: 256, testSize: 64, seed: 2 } }, train: { split: 'train', batchSize: 16 }, eval: { test: { split: 'test', batchSize: 32 } } },
  },
  'fashion-mnist': { model: 'tiny_cnn', epochs: 12, data: fashionMnistTrialData() },
  'fashion-mnist-resnet8': { model: 'resnet8', epochs: 16, data: fashionMnistTrialData() },
};
const workloadName = arg('workload', 'synthetic');
const workload = workloads[workloadName];
if (!workload) throw new Error(`--workload must be one of ${Object.keys(workloads).join(', ')}, got '${workloadName}'`);
const epochs = numArg('epochs', workload.epochs);
// Workers start one process per trial instead of reusing a completed trial's process (dkl worker --fresh-processes).
const fresh = process.argv.includes('--fresh-processes');
const rounds = numArg('rounds', 1);
const withPlain = !process.argv.includes('--no-plain');
const env = { ...process.env, DKL_BACKEND: process.env.DKL_BACKEND ?? 'dkl-native' };

const freePort = () => new Promise((done) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => done(port)); }); });
const work = mkdtempSync(join(tmpdir(), 'dkl-bench-sweeps-'));
const port = await freePort();
const redisUrl = `redis://127.0.0.1:${port}`;
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', work, '--appendonly', 'yes', '--save', ''], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((done, fail) => { let out = ''; redis.stdout.on('data', (d) => { out += d; if (out.includes('Ready to accept connections')) done(); }); redis.once('exit', (c) => fail(new Error(`redis-server exited with ${c}`))); });

function dkl(args) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [DKL, '--no-progress', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`dkl ${args.join(' ')} exited ${code}:\n${out}`))));
  });
}
const startWorker = () => spawn(process.execPath, [DKL, '--no-progress', 'worker', '--redis', redisUrl, ...(fresh ? ['--fresh-processes'] : [])], { env, stdio: 'ignore' });

function baseConfig(name) {
  return {
    name, seed: 0,
    data: workload.data,
    models: { student: { name: workload.model } },
    trainer: { type: 'supervised', epochs },
    optimizer: { name: 'sgd', momentum: 0.9 },
    schedule: { name: 'cosine', lr: 0.05 },
    plugins: [{ name: 'checkpoint', options: { every: { epochs: 1 }, keep: 1 } }],
  };
}

function writeSweep(name, seeds) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'base.yaml'), stringify(baseConfig(name)));
  writeFileSync(join(dir, 'sweep.yaml'), stringify({ name, base: 'base.yaml', parameters: { 'schedule.lr': { grid: [0.05] } }, seeds }));
  return join(dir, 'sweep.yaml');
}

async function waitAll(queue, n) {
  for (;;) {
    const counts = await queue.getJobCounts('completed', 'failed');
    if (counts.failed) throw new Error(`${counts.failed} trial(s) failed`);
    if (counts.completed >= n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The median of `a` (the lower middle one for an even count). */
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor((a.length - 1) / 2)];

/**
 * The median epoch time (ms) of the run directories under `runsDir` (each trial's epochs after its
 * first, which also compiles kernels): what trials side by side do to each other's training,
 * apart from process starts and scheduling.
 */
function medianEpochMs(runsDir) {
  const times = [];
  for (const entry of readdirSync(runsDir)) {
    const file = join(runsDir, entry, 'metrics.jsonl');
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.includes('"epoch-end"')) continue;
      const record = JSON.parse(line);
      if (record.epoch > 1) times.push(record.durationMs);
    }
  }
  return median(times);
}

/**
 * The machine's own limit: the same trials as plain `dkl train` processes (1 thread, V8 flags as
 * the trial processes), `n` at a time, no queue, no worker. Returns the wall time and the median
 * epoch time in ms.
 */
async function plainProcesses(n, round) {
  const dir = join(work, `plain${n}r${round}`);
  mkdirSync(dir, { recursive: true });
  const files = Array.from({ length: trials }, (_, seed) => {
    const file = join(dir, `seed${seed}.yaml`);
    writeFileSync(file, stringify({ ...baseConfig(`plain${n}r${round}`), seed }));
    return file;
  });
  const runOne = (file) => new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--single-threaded-gc', DKL, '--no-progress', '--runs-dir', join(dir, 'runs'), 'train', file], { env: { ...env, OMP_NUM_THREADS: '1' }, stdio: 'ignore' });
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`dkl train ${file} exited ${code}`))));
  });
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => { while (next < files.length) await runOne(files[next++]); }));
  return { wall: performance.now() - started, epochMs: medianEpochMs(join(dir, 'runs')) };
}

const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
try {
  // 1. Overhead: one worker already waiting, `overheadTrials` trials.
  const w = startWorker();
  await new Promise((r) => setTimeout(r, 3000));
  const overheadFile = writeSweep('overhead', Array.from({ length: overheadTrials }, (_, i) => i));
  await dkl(['sweep', 'submit', overheadFile, '--redis', redisUrl]);
  const oq = new Queue('dkl-sweep-overhead', { connection });
  await waitAll(oq, overheadTrials);
  const jobs = (await oq.getJobs(['completed'])).sort((a, b) => a.processedOn - b.processedOn);
  const startMs = [];
  const visibleMs = [];
  const trialMs = [];
  jobs.forEach((job, i) => {
    const runnable = i === 0 ? job.timestamp : Math.max(job.timestamp, jobs[i - 1].finishedOn);
    startMs.push(job.processedOn - runnable);
    const summary = join(dirname(overheadFile), 'runs', 'overhead', 'trials', job.id, 'summary.json');
    visibleMs.push(job.finishedOn - statSync(summary).mtimeMs);
    trialMs.push(job.finishedOn - job.processedOn);
  });
  await oq.close();
  w.kill('SIGTERM');
  const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;

  // 2. Wall time of a `trials`-trial sweep: 1 worker, then 2 (1 thread each), fresh sweep
  // directories; then the plain baseline; `rounds` times.
  const wall = { 1: [], 2: [] };
  const perWorker = { 1: [], 2: [] };
  const plain = { 1: [], 2: [] };
  for (let round = 0; round < rounds; round++) {
    for (const n of [1, 2]) {
      const name = `wall${n}r${round}`;
      const file = writeSweep(name, Array.from({ length: trials }, (_, i) => i));
      const workers = Array.from({ length: n }, startWorker);
      await new Promise((r) => setTimeout(r, 3000)); // workers up and waiting (their start is not the sweep's)
      const started = performance.now();
      await dkl(['sweep', 'submit', file, '--redis', redisUrl]);
      const q = new Queue(`dkl-sweep-${name}`, { connection });
      await waitAll(q, trials);
      wall[n].push(performance.now() - started);
      const done = await q.getJobs(['completed']);
      const byWorker = {};
      for (const job of done) byWorker[job.returnvalue?.worker ?? '?'] = (byWorker[job.returnvalue?.worker ?? '?'] ?? 0) + 1;
      const busy = done.reduce((s, job) => s + (job.finishedOn - job.processedOn), 0);
      perWorker[n].push({ byWorker, busy, epochMs: medianEpochMs(join(dirname(file), 'runs', name, 'trials')) });
      await q.close();
      for (const x of workers) x.kill('SIGTERM');
    }
    if (withPlain) for (const n of [1, 2]) plain[n].push(await plainProcesses(n, round));
  }
  const perTrial = mean(trialMs);
  const overhead = mean(startMs) + mean(visibleMs);
  console.log(`queue overhead per trial (${overheadTrials} trials, 1 idle worker):`);
  console.log(`  submit -> start   ${mean(startMs).toFixed(1)} ms (max ${Math.max(...startMs).toFixed(1)})`);
  console.log(`  result -> visible ${mean(visibleMs).toFixed(1)} ms (max ${Math.max(...visibleMs).toFixed(1)})`);
  console.log(`  trial (process start to result) ${(perTrial / 1000).toFixed(2)} s; overhead ${(100 * overhead / perTrial).toFixed(3)} % of it, ${(100 * overhead / 20000).toFixed(3)} % of a 20 s trial`);
  const ratios = wall[1].map((one, r) => wall[2][r] / (one / 2));
  const plainRatios = plain[1].map((one, r) => plain[2][r].wall / (one.wall / 2));
  console.log(`${trials}-trial sweep, workload ${workloadName} (${epochs} epochs), 1 thread per trial, ${fresh ? 'a fresh process per trial' : 'trial processes reused'}, ${rounds} round(s):`);
  for (let r = 0; r < rounds; r++) {
    console.log(`  round ${r + 1}: 1 worker ${(wall[1][r] / 1000).toFixed(1)} s, 2 workers ${(wall[2][r] / 1000).toFixed(1)} s, 2 workers / (1 worker / 2) = ${ratios[r].toFixed(3)}; speed-up ${(wall[1][r] / wall[2][r]).toFixed(2)}x`);
    for (const n of [1, 2]) console.log(`    ${n} worker(s): trials per worker ${JSON.stringify(perWorker[n][r].byWorker)}, summed trial time ${(perWorker[n][r].busy / 1000).toFixed(1)} s, median epoch ${perWorker[n][r].epochMs.toFixed(0)} ms`);
    console.log(`    a trial's epochs next to another's take ${(perWorker[2][r].epochMs / perWorker[1][r].epochMs).toFixed(3)}x their time alone`);
    if (withPlain) console.log(`    plain \`dkl train\` processes, no queue: 1 at a time ${(plain[1][r].wall / 1000).toFixed(1)} s, 2 at a time ${(plain[2][r].wall / 1000).toFixed(1)} s, ratio ${plainRatios[r].toFixed(3)} (what the machine allows); median epoch ${plain[1][r].epochMs.toFixed(0)} / ${plain[2][r].epochMs.toFixed(0)} ms, ${(plain[2][r].epochMs / plain[1][r].epochMs).toFixed(3)}x`);
  }
  console.log(`  median 2 workers / (1 worker / 2) = ${median(ratios).toFixed(3)} (goal <= 1.10)${withPlain ? `; median plain ratio ${median(plainRatios).toFixed(3)}` : ''}`);
} finally {
  redis.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
