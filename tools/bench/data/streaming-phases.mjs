#!/usr/bin/env node
/**
 * Where the 0-worker streaming path spends its time, per image: read the file, start the libvips
 * decode of the crop box (the JavaScript side of sharp), wait for it, resize (PIL's filter, in
 * JavaScript), flip + normalise + copy into the batch. The same work as the Loader's in-thread
 * path (4 decodes in flight, batch 64, RandomResizedCrop(224) + flip + normalise), run twice: with
 * a fresh batch array per batch (what the Loader must do: the batch becomes a tensor it no longer
 * owns) and with one reused array, which isolates what fresh memory costs on this machine.
 * PyTorch pays the same: its collate stacks each batch into a fresh 38.5 MB tensor (timed last).
 *
 *   npx nx run @dkl/data:build && node tools/bench/data/streaming-phases.mjs [--batches 12] [--dir /tmp/dkl-bench-jpegs] [--python /usr/bin/python3]
 *
 * Needs the JPEG folder of streaming-bench.mjs (it generates it). Wall times of the main thread
 * (decode wait excluded from the sum: libvips decodes on libuv's threads meanwhile).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { SeededRng } from '@dkl/core';
import { compilePipeline, createScratch, planParams, randomResizedCropBox, resizeBox, runImage } from '@dkl/data';
import { arg, numArg } from '../args.mjs';

const DIR = arg('dir', join(tmpdir(), 'dkl-bench-jpegs'));
const BATCHES = numArg('batches', 12);
const PYTHON = arg('python', existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
const BATCH = 64;
const SIZE = 224;
if (!existsSync(DIR)) throw new Error(`${DIR} does not exist: run streaming-bench.mjs once to generate it`);
sharp.cache(false);
sharp.concurrency(1); // as @dkl/data's decoder
const files = readdirSync(DIR).flatMap((c) => readdirSync(join(DIR, c)).map((f) => join(DIR, c, f)));
const pipeline = compilePipeline([0, 0, 3], [{ kind: 'random-resized-crop', size: SIZE }, { kind: 'random-flip' }, { kind: 'normalize', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }]);
const rest = { ...pipeline, inShape: pipeline.steps[0].outShape, steps: pipeline.steps.slice(1) };
const outLen = SIZE * SIZE * 3;

/** JPEG frame size (SOFn), as streaming/jpeg-size.ts. */
function jpegSize(b) {
  for (let i = 2; i + 9 < b.length; ) {
    const m = b[i + 1];
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return [(b[i + 5] << 8) | b[i + 6], (b[i + 7] << 8) | b[i + 8]];
    i += 2 + ((b[i + 2] << 8) | b[i + 3]);
  }
  throw new Error('no JPEG frame header');
}

async function run(reuseBatch) {
  const t = { 'read wait': 0, 'sharp call': 0, resize: 0, 'flip+normalise+copy': 0 };
  const scratch = createScratch(pipeline);
  const resized = new Float32Array(outLen);
  let shared;
  const now = () => performance.now();
  const cpu0 = process.cpuUsage();
  const t0 = now();
  for (let b = 0; b < BATCHES; b++) {
    const batch = files.slice((b * BATCH) % files.length, ((b * BATCH) % files.length) + BATCH);
    const params = planParams(pipeline, batch.length, new SeededRng(b));
    const x = reuseBatch ? (shared ??= new Float32Array(BATCH * outLen)) : new Float32Array(BATCH * outLen);
    let next = 0;
    const lane = async () => {
      for (let row; (row = next++) < batch.length; ) {
        let s = now();
        const bytes = await fs.readFile(batch[row]);
        t['read wait'] += now() - s; // includes queueing behind decodes on libuv's pool
        const [h, w] = jpegSize(bytes);
        const p = row * pipeline.paramsPerSample;
        const [top, left, bh, bw] = randomResizedCropBox(h, w, [0.08, 1], [3 / 4, 4 / 3], (i) => params[p + i] / 2 ** 31);
        s = now();
        const pending = sharp(bytes, { failOn: 'error' }).extract({ top, left, height: bh, width: bw }).toColourspace('srgb').removeAlpha().raw().toBuffer();
        t['sharp call'] += now() - s;
        const data = await pending;
        s = now();
        resizeBox({ data, height: bh, width: bw, channels: 3 }, 0, 0, bh, bw, SIZE, SIZE, resized);
        t.resize += now() - s;
        s = now();
        runImage(rest, resized, [SIZE, SIZE, 3], params, p, x.subarray(row * outLen, (row + 1) * outLen), scratch);
        t['flip+normalise+copy'] += now() - s;
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
  }
  const n = BATCHES * BATCH;
  const c = process.cpuUsage(cpu0);
  return { 'batch array': reuseBatch ? 'reused' : 'fresh', 'wall ms/img': ((now() - t0) / n).toFixed(2), 'CPU ms/img': ((c.user + c.system) / 1000 / n).toFixed(2), ...Object.fromEntries(Object.entries(t).map(([k, v]) => [`${k} ms`, (v / n).toFixed(2)])) };
}

await run(true); // warm-up: compile, page cache
console.log(`in-thread streaming path, ${BATCHES} batches of ${BATCH}, ${uptime()}`);
console.table([await run(false), await run(true), await run(false), await run(true)]);
const py = spawnSync(PYTHON, ['-c', `
import time, resource, torch
imgs = [torch.rand(3, ${SIZE}, ${SIZE}) for _ in range(${BATCH})]
cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
t, c = time.perf_counter(), cpu()
for _ in range(${BATCHES}): x = torch.stack(imgs, 0)
print('%.2f %.2f' % ((time.perf_counter() - t) / ${BATCHES * BATCH} * 1000, (cpu() - c) / ${BATCHES * BATCH} * 1000))
`], { encoding: 'utf8' });
if (py.status === 0) {
  const [wall, cpuMs] = py.stdout.trim().split(' ');
  console.log(`PyTorch default_collate's torch.stack into a fresh batch tensor: ${wall} ms wall, ${cpuMs} ms CPU per image`);
} else console.log(`PyTorch collate not timed: ${(py.stderr || '').trim().split('\n').at(-1)}`);

function uptime() {
  const r = spawnSync('uptime', { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().replace(/^.*load/, 'load') : '';
}
