// Benchmark of @dkl/losses (built dist): value + gradient of kdLoss, decoupledKL (IKL-KD preset)
// and the authors' pairwise [B, C, C] form, side by side in one process.
// Usage: node tools/bench/losses/bench.mjs [--backends cpu,wasm,dkl-native] [--reps 7] [--pairwise-max B·C²]
import * as tf from '@tensorflow/tfjs';
import { initBackend, SeededRng } from '@dkl/core';
import { classPriorWeights, decoupledKL, iklKdOptions, kdLoss } from '@dkl/losses';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const backends = (args.backends ?? 'cpu,wasm').split(',');
const reps = Number(args.reps ?? 15);
const skipPairwiseAbove = Number(args['pairwise-max'] ?? Infinity); // B·C² above this: pairwise not run
const SIZES = [[64, 100], [64, 1000], [256, 100], [256, 1000]];
/** Pairwise chunks hold at most this many elements per [b, C, C] tensor (keeps memory bounded). */
const PAIRWISE_CHUNK_ELEMENTS = 4e6;

const stopGradient = (x) => tf.customGrad((input) => ({ value: input.clone(), gradFunc: (dy) => tf.zerosLike(dy) }))(x);

/** Copy of the test oracle: the authors' pairwise IKL (KD: teacher frozen, BA on), autodiff. */
function pairwiseIKL(reference, trained, o) {
  const [B, C] = reference.shape;
  const r = stopGradient(reference);
  const deltaR = tf.sub(tf.reshape(r, [B, C, 1]), tf.reshape(r, [B, 1, C]));
  const deltaT = tf.sub(tf.reshape(trained, [B, C, 1]), tf.reshape(trained, [B, 1, C]));
  const w = stopGradient(tf.softmax(tf.div(reference, o.weightTemperature)));
  const pairW = tf.mul(tf.reshape(w, [B, C, 1]), tf.reshape(w, [B, 1, C]));
  const wmse = tf.mul(tf.sum(tf.mul(pairW, tf.square(tf.sub(deltaR, deltaT)))), 0.25);
  const soft = stopGradient(tf.softmax(tf.div(reference, o.temperature)));
  const ce = tf.neg(tf.sum(tf.mul(soft, tf.logSoftmax(tf.div(trained, o.temperature)))));
  return tf.add(tf.mul(wmse, o.wmseWeight), tf.mul(ce, o.softLabelWeight));
}

/** Pairwise value + gradient over row chunks (sum of per-chunk sums, divided by B). */
function pairwiseValueAndGrad(teacher, student, o) {
  const [B, C] = teacher.shape;
  const chunk = Math.max(1, Math.floor(PAIRWISE_CHUNK_ELEMENTS / (C * C)));
  let total = 0;
  const grads = [];
  for (let start = 0; start < B; start += chunk) {
    const size = Math.min(chunk, B - start);
    tf.tidy(() => {
      const t = tf.slice(teacher, [start, 0], [size, C]);
      const s = tf.slice(student, [start, 0], [size, C]);
      const { value, grad } = tf.valueAndGrad((x) => tf.div(pairwiseIKL(t, x, o), B))(s);
      total += value.dataSync()[0];
      grads.push(tf.keep(grad));
    });
  }
  const grad = tf.concat(grads, 0);
  tf.dispose(grads);
  return { value: total, grad };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median wall time (ms) of `run` and the peak tensor bytes of one call (tf.profile). */
async function measure(run, n) {
  run(); // warm-up
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  const profile = await tf.profile(() => run());
  return { ms: median(times), peakMB: profile.peakBytes / 2 ** 20 };
}

/** One run under tf.profile: its wall time and peak bytes. */
async function measureOnce(run) {
  const t0 = performance.now();
  const profile = await tf.profile(() => run());
  return { ms: performance.now() - t0, peakMB: profile.peakBytes / 2 ** 20 };
}

async function benchBackend(name) {
  // initBackend registers the backend, says which runs and switches off tfjs's "install tfjs-node" banner.
  try {
    await initBackend({ prefer: [name] });
  } catch (e) {
    console.log(`${name} backend unavailable: ${e.message}`);
    return;
  }
  console.log(`\nbackend: ${tf.getBackend()} (reps ${reps}, median ms of value + gradient; peak MB from tf.profile)`);
  console.log('| B x C | KL ms | IKL ms | IKL-GI ms | pairwise ms | IKL/KL | IKL-GI/KL | pairwise/IKL | peak MB KL / IKL / pairwise | O(B·C) vs pairwise |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  const o = iklKdOptions();
  for (const [B, C] of SIZES) {
    const rng = new SeededRng(`bench-${B}-${C}`);
    const student = tf.tensor2d(Array.from({ length: B * C }, () => rng.normal() * 3), [B, C]);
    const teacher = tf.tensor2d(Array.from({ length: B * C }, () => rng.normal() * 3), [B, C]);
    // KL and IKL are timed interleaved (KL, IKL, IKL-GI per round) so machine noise hits all alike.
    const prior = tf.tidy(() => tf.softmax(tf.randomNormal([C, C], 0, 2, 'float32', 3)));
    const labels = tf.tensor1d(Array.from({ length: B }, (_, i) => i % C), 'int32');
    const runs = {
      kl: () => tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((s) => kdLoss(s, teacher, { temperature: o.temperature }))(student);
        value.dataSync();
        grad.dataSync();
      }),
      ikl: () => tf.tidy(() => {
        const { value, grad } = tf.valueAndGrad((s) => decoupledKL(teacher, s, o))(student);
        value.dataSync();
        grad.dataSync();
      }),
      // IKL with class-prior (GI) weights, as in the ImageNet configs: no softmax for the weights
      iklGI: () => tf.tidy(() => {
        const w = classPriorWeights(prior, labels, { validatePrior: false }); // as the plugin: prior checked once per epoch
        const { value, grad } = tf.valueAndGrad((s) => decoupledKL(teacher, s, { ...o, classWeights: w }))(student);
        value.dataSync();
        grad.dataSync();
      }),
    };
    const times = { kl: [], ikl: [], iklGI: [] };
    for (const f of Object.values(runs)) f(); // warm-up
    for (let i = 0; i < reps; i++) {
      for (const [k, f] of Object.entries(runs)) {
        const t0 = performance.now();
        f();
        times[k].push(performance.now() - t0);
      }
    }
    const ratio = (k) => median(times[k].map((t, i) => t / times.kl[i]));
    const kl = { ms: median(times.kl), peakMB: (await tf.profile(runs.kl)).peakBytes / 2 ** 20 };
    const ikl = { ms: median(times.ikl), peakMB: (await tf.profile(runs.ikl)).peakBytes / 2 ** 20 };
    const iklGI = { ms: median(times.iklGI) };
    tf.dispose([prior, labels]);
    // The pairwise form is slow: large sizes get one timed (and profiled) run, no warm-up.
    let slowValue = NaN;
    const runPairwise = () => {
      const { value, grad } = pairwiseValueAndGrad(teacher, student, o);
      grad.dataSync();
      grad.dispose();
      slowValue = value;
    };
    const pw = B * C * C > skipPairwiseAbove ? { ms: NaN, peakMB: NaN }
      : B * C * C > 1e7 ? await measureOnce(runPairwise) : await measure(runPairwise, 3);
    // sanity: the O(B·C) and pairwise forms agree
    const fast = tf.tidy(() => decoupledKL(teacher, student, o).dataSync()[0]);
    const agree = Math.abs(fast - slowValue) / Math.abs(slowValue);
    console.log(
      `| ${B} x ${C} | ${kl.ms.toFixed(2)} | ${ikl.ms.toFixed(2)} | ${iklGI.ms.toFixed(2)} | ${pw.ms.toFixed(1)} | ` +
        `${ratio('ikl').toFixed(2)} | ${ratio('iklGI').toFixed(2)} | ${(pw.ms / ikl.ms).toFixed(0)} | ` +
        `${kl.peakMB.toFixed(2)} / ${ikl.peakMB.toFixed(2)} / ${pw.peakMB.toFixed(1)} | ${agree.toExponential(1)} |`,
    );
    tf.dispose([student, teacher]);
  }
}

for (const b of backends) await benchBackend(b);
