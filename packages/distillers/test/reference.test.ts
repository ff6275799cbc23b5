/**
 * Every distiller's loss and its gradients against the float64 PyTorch reference of
 * tools/fixtures-distillers/reference_losses.py (mdistiller's definitions, written in PyTorch),
 * on every backend that loads here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createContainer, LossRegistry, SeededRng, suiteBackends, useSuiteBackend, type LossTerm } from '@dkl/core';
import { atLoss, ContrastSampler, ConvReg, distillersModule, fitnetLoss, kdsvdLoss, nstLoss, pktLoss, rkdLoss, spLoss, vidLoss, type VidRegressor } from '../src/index.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.resolve(import.meta.dirname, '../../../tools/fixtures-distillers/reference_losses.py');

interface Tensor {
  readonly shape: number[];
  readonly data: number[];
}
interface Case {
  readonly title: string;
  readonly loss: string;
  readonly options?: Record<string, unknown>;
  readonly student: Tensor[];
  readonly teacher: Tensor[];
  readonly conv?: { weight: Tensor; bias: Tensor };
  /** VID: per stage the three 1x1 regressor filters ([1, 1, in, out]) and the log-scales. */
  readonly regressors?: Tensor[][];
  readonly logScales?: number[][];
  /** ReviewKD: every ABF variable's value, in the term's variable order, and the layout. */
  readonly abfWeights?: Tensor[];
  readonly layout?: { shapes: number[]; outShapes: number[] };
  /** OFD: per stage the connector filter [k, k, in, out] and the teacher BatchNorm's gamma and beta. */
  readonly ofd?: { conv: Tensor[]; gamma: number[][]; beta: number[][] };
  /** CRD: training labels, embedding weights ([in, out] and [out], student then teacher), banks, rows and contrastive indices. */
  readonly crd?: { labels: number[]; embed: Tensor[]; memoryV1: Tensor; memoryV2: Tensor; rows: number[]; contrast: number[] };
}
interface Expected {
  readonly loss: number;
  readonly grads: number[][];
  readonly convGrads?: Record<string, number[]>;
  readonly state?: Record<string, number[]>;
}

const rng = new SeededRng('distillers-reference');
const registry = createContainer([distillersModule]).get(LossRegistry);
const draw = (shape: number[], low = -1, high = 1): Tensor => ({ shape, data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(low, high)) });
const convFor = (filter: number[], out: number): { weight: Tensor; bias: Tensor } => ({ weight: draw(filter, -0.3, 0.3), bias: draw([out], -0.1, 0.1) });

/** Shapes of ReviewKD's two-stage test pair (student s1 8x8x3, s2 4x4x5, pooled 5; teacher 8x8x4, 4x4x6, 7). */
const REVIEWKD_SHAPES = {
  model: { stage1: [8, 8, 3], stage2: [4, 4, 5], embedding: [5] },
  reference: { stage1: [8, 8, 4], 'preact/stage1': [8, 8, 4], stage2: [4, 4, 6], 'preact/stage2': [4, 4, 6], embedding: [7] },
};
const reviewkdTerm = () => registry.create('reviewkd', { ceWeight: 0, weight: 1, warmup: 1 }, 'reviewkd', { featureShapes: REVIEWKD_SHAPES, seed: 1 });

function reviewkdCase(): Case {
  const term = reviewkdTerm();
  const variables = term.variables!.trainable;
  const abfWeights = variables.map((v) => draw(v.shape, -0.5, 0.5));
  term.dispose!();
  return {
    title: 'reviewkd (ABF fusion of two stages and the pooled feature, HCL)',
    loss: 'reviewkd',
    // Batch 6: the pooled level is BatchNorm over B 1x1 maps, whose input gradient cancels almost exactly for tiny B.
    student: [draw([6, 8, 8, 3]), draw([6, 4, 4, 5]), draw([6, 5])],
    teacher: [draw([6, 8, 8, 4]), draw([6, 4, 4, 6]), draw([6, 7])],
    abfWeights,
    layout: { shapes: [1, 4, 8], outShapes: [1, 4, 8] },
  };
}

const CRD_OPTIONS = { ceWeight: 0, weight: 1, featDim: 3, k: 5, momentum: 0.5, temperature: 0.07 };
const CRD_LABELS = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0];
const CRD_SHAPES = { model: { embedding: [5] }, reference: { embedding: [6] } };

function crdCase(): Case {
  const rows = [3, 7, 0, 5];
  // The indices the term itself draws at step 0 (its seed is 1): the reference takes them as given.
  const contrast = new ContrastSampler(Int32Array.from(CRD_LABELS), CRD_OPTIONS.k, 'exact', 'crd').draw(Int32Array.from(rows), new SeededRng('1/contrast/0'));
  return {
    title: 'crd (embeddings, memory-bank scores, Z, NCE and the bank update)',
    loss: 'crd',
    options: CRD_OPTIONS,
    student: [draw([4, 5])],
    teacher: [draw([4, 6])],
    crd: {
      labels: CRD_LABELS,
      embed: [draw([5, 3], -0.5, 0.5), draw([3], -0.5, 0.5), draw([6, 3], -0.5, 0.5), draw([3], -0.5, 0.5)],
      memoryV1: draw([10, 3], -0.5, 0.5),
      memoryV2: draw([10, 3], -0.5, 0.5),
      rows,
      contrast: Array.from(contrast),
    },
  };
}

/** A `crd` term with the case's embeddings and memory banks (Z unset). */
function crdTerm(c: Case): LossTerm {
  const term = registry.create('crd', c.options, 'crd', { featureShapes: CRD_SHAPES, trainingLabels: Int32Array.from(c.crd!.labels), seed: 1 });
  const { trainable, state } = term.variables!;
  tf.tidy(() => {
    trainable.forEach((v, k) => v.assign(tf.tensor(c.crd!.embed[k]!.data, c.crd!.embed[k]!.shape)));
    state[0]!.assign(tf.tensor(c.crd!.memoryV1.data, c.crd!.memoryV1.shape));
    state[1]!.assign(tf.tensor(c.crd!.memoryV2.data, c.crd!.memoryV2.shape));
  });
  return term;
}

const OFD_SHAPES = {
  model: { 'preact/stage1': [4, 4, 3], 'preact/stage2': [2, 2, 4] },
  reference: { 'preact/stage1': [6, 6, 5], 'preact/stage2': [2, 2, 6] },
};

/** Teacher BatchNorm parameters with both margin branches (a small tail below zero gives -3 gamma). */
function ofdCase(kernel: number): Case {
  const gamma = [draw([5], 0.2, 1.5).data, draw([6], 0.2, 1.5).data];
  const beta = [draw([5], -1, 1).data, [...draw([5], -1, 1).data, 6]]; // 6 > 3.1 gamma: the -3 gamma branch
  return {
    title: `ofd ${kernel}x${kernel} connector (teacher pooled 6 -> 4, both margin branches)`,
    loss: 'ofd',
    options: { ceWeight: 0, weight: 1, kernelSize: kernel },
    student: [draw([4, 4, 4, 3]), draw([4, 2, 2, 4])],
    teacher: [draw([4, 6, 6, 5], -1.5, 1), draw([4, 2, 2, 6], -1.5, 1)],
    ofd: { conv: [draw([kernel, kernel, 3, 5], -0.5, 0.5), draw([kernel, kernel, 4, 6], -0.5, 0.5)], gamma, beta },
  };
}

/** An `ofd` term with the case's connector filters and teacher BatchNorm parameters. */
function ofdTerm(c: Case): LossTerm {
  const norms = Object.fromEntries(['preact/stage1', 'preact/stage2'].map((tap, i) => [tap, { gamma: Float32Array.from(c.ofd!.gamma[i]!), beta: Float32Array.from(c.ofd!.beta[i]!) }]));
  const term = registry.create('ofd', c.options, 'ofd', { featureShapes: OFD_SHAPES, referencePreactNorms: norms, seed: 1 });
  tf.tidy(() => c.ofd!.conv.forEach((w, i) => term.variables!.trainable[3 * i]!.assign(tf.tensor(w.data, w.shape))));
  return term;
}

const rkdOptions = { distanceWeight: 25, angleWeight: 50, eps: 1e-12, squared: false };
// Stage pairs exercising both pooling directions, a non-integer pooling ratio (6 -> 4) and unequal channels.
const stagesS = () => [draw([2, 6, 6, 3]), draw([2, 2, 2, 5])];
const stagesT = () => [draw([2, 4, 4, 4]), draw([2, 4, 4, 6])];
const CASES: Case[] = [
  { title: 'at p=2', loss: 'at', options: { p: 2 }, student: stagesS(), teacher: stagesT() },
  { title: 'at p=3', loss: 'at', options: { p: 3 }, student: stagesS(), teacher: stagesT() },
  { title: 'nst', loss: 'nst', student: stagesS(), teacher: stagesT() },
  { title: 'pkt', loss: 'pkt', student: [draw([5, 7])], teacher: [draw([5, 9])] },
  { title: 'sp', loss: 'sp', student: [draw([4, 3, 3, 2])], teacher: [draw([4, 2, 2, 5])] },
  { title: 'rkd', loss: 'rkd', options: rkdOptions, student: [draw([5, 6])], teacher: [draw([5, 4])] },
  { title: 'rkd squared', loss: 'rkd', options: { ...rkdOptions, squared: true, distanceWeight: 2, angleWeight: 3 }, student: [draw([6, 3])], teacher: [draw([6, 8])] },
  { title: 'fitnet halving (3x3 stride 2)', loss: 'fitnet', student: [draw([2, 8, 8, 3])], teacher: [draw([2, 4, 4, 5])], conv: convFor([3, 3, 3, 5], 5) },
  { title: 'fitnet doubling (4x4 transposed)', loss: 'fitnet', student: [draw([2, 4, 4, 3])], teacher: [draw([2, 8, 8, 2])], conv: convFor([4, 4, 2, 3], 2) },
  { title: 'fitnet shrinking (valid 3x3)', loss: 'fitnet', student: [draw([2, 5, 5, 3])], teacher: [draw([2, 3, 3, 4])], conv: convFor([3, 3, 3, 4], 4) },
  {
    title: 'vid (two stages, pooled both ways)',
    loss: 'vid',
    options: { eps: 1e-5 },
    student: stagesS(),
    teacher: stagesT(),
    regressors: [
      [draw([1, 1, 3, 4], -0.5, 0.5), draw([1, 1, 4, 4], -0.5, 0.5), draw([1, 1, 4, 4], -0.5, 0.5)],
      [draw([1, 1, 5, 6], -0.5, 0.5), draw([1, 1, 6, 6], -0.5, 0.5), draw([1, 1, 6, 6], -0.5, 0.5)],
    ],
    logScales: [draw([4], 0.5, 2).data, draw([6], 0.5, 2).data],
  },
  reviewkdCase(),
  crdCase(),
  ofdCase(1),
  ofdCase(3),
  // Paired stages of equal width (5, then 4) and unequal heights and channels; the student keeps k + 3 = 4 vectors.
  { title: 'kdsvd k=1', loss: 'kdsvd', options: { k: 1 }, student: [draw([3, 6, 5, 3]), draw([3, 4, 4, 2])], teacher: [draw([3, 5, 5, 4]), draw([3, 3, 4, 6])] },
  { title: 'kdsvd k=2', loss: 'kdsvd', options: { k: 2 }, student: [draw([3, 6, 5, 3]), draw([3, 4, 4, 2])], teacher: [draw([3, 5, 5, 4]), draw([3, 3, 4, 6])] },
];

function reference(): Expected[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'dkl-distillers-'));
  const input = path.join(dir, 'in.json');
  const output = path.join(dir, 'out.json');
  writeFileSync(input, JSON.stringify(CASES));
  const run = spawnSync(PYTHON, [SCRIPT, input, output], { encoding: 'utf8', timeout: 120_000 });
  // Not a skip: tools/setup/system-deps.mjs installs Debian's python3-torch wherever it can.
  if (run.status !== 0) throw new Error(`${SCRIPT} failed (install Debian's python3-torchvision: npm run setup): ${run.stderr}`);
  return JSON.parse(readFileSync(output, 'utf8')) as Expected[];
}

const EXPECTED = reference();
const BACKENDS = await suiteBackends('@dkl/distillers float64 reference suite');

function compute(c: Case, xs: tf.Tensor[], ts: tf.Tensor[], reg?: ConvReg, vid?: VidRegressor[], term?: LossTerm): tf.Scalar {
  switch (c.loss) {
    case 'ofd':
      return term!.compute({
        logits: tf.zeros([4, 3]),
        labels: tf.tensor1d([0, 1, 2, 0], 'int32'),
        features: { 'preact/stage1': xs[0]!, 'preact/stage2': xs[1]! },
        referenceFeatures: { 'preact/stage1': ts[0]!, 'preact/stage2': ts[1]! },
        epoch: 1,
        step: 0,
      });
    case 'crd':
      return term!.compute({
        logits: tf.zeros([4, 3]),
        labels: tf.tensor1d(c.crd!.rows.map((r) => c.crd!.labels[r]!), 'int32'),
        features: { embedding: xs[0]! },
        referenceFeatures: { embedding: ts[0]! },
        indices: Int32Array.from(c.crd!.rows),
        epoch: 1,
        step: 0,
      });
    case 'reviewkd': {
      const [s1, s2, pooled] = xs;
      const [t1, t2, tp] = ts;
      return term!.compute({
        logits: tf.zeros([6, 3]),
        labels: tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'),
        features: { stage1: s1!, stage2: s2!, embedding: pooled! },
        referenceFeatures: { stage1: tf.relu(t1!), 'preact/stage1': t1!, stage2: tf.relu(t2!), 'preact/stage2': t2!, embedding: tp! },
        epoch: 1,
        step: 0,
      });
    }
    case 'at':
      return atLoss(xs as tf.Tensor4D[], ts as tf.Tensor4D[], c.options!['p'] as number);
    case 'kdsvd':
      return kdsvdLoss(xs as tf.Tensor4D[], ts as tf.Tensor4D[], c.options!['k'] as number);
    case 'nst':
      return nstLoss(xs as tf.Tensor4D[], ts as tf.Tensor4D[]);
    case 'pkt':
      return pktLoss(xs[0]!, ts[0]!);
    case 'sp':
      return spLoss(xs[0]!, ts[0]!);
    case 'rkd':
      return rkdLoss(xs[0]!, ts[0]!, c.options);
    case 'fitnet':
      return fitnetLoss(reg!.forward(xs[0] as tf.Tensor4D), ts[0]!);
    case 'vid':
      return tf.addN(vid!.map((r, i) => vidLoss(r, tf.tensor1d(c.logScales![i]!), xs[i] as tf.Tensor4D, ts[i] as tf.Tensor4D, 1e-5))) as tf.Scalar;
    default:
      throw new Error(c.loss);
  }
}

/** Max |diff| relative to the largest expected magnitude (or to `scale`, for a gradient that is zero in exact arithmetic). */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], what: string, scale = Math.max(...expected.map(Math.abs), 1e-12)): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst / scale, `${what}: max |diff| ${worst} vs max |value| ${scale}`).toBeLessThan(2e-4);
}

describe.each(BACKENDS)('distillers vs float64 PyTorch on %s', (backend) => {
  beforeAll(async () => useSuiteBackend(backend));

  it.each(CASES.map((c, i) => [c.title, c, EXPECTED[i]!] as const))('%s: value and gradients', (_title, c, exp) => {
    const before = tf.memory().numTensors;
    const xs = c.student.map((t) => tf.tensor(t.data, t.shape));
    const ts = c.teacher.map((t) => tf.tensor(t.data, t.shape));
    let reg: ConvReg | undefined;
    if (c.conv) {
      reg = new ConvReg(c.student[0]!.shape.slice(1), c.teacher[0]!.shape.slice(1), 0, 'test');
      tf.tidy(() => {
        reg!.weight.assign(tf.tensor(c.conv!.weight.data, c.conv!.weight.shape));
        reg!.bias.assign(tf.tensor(c.conv!.bias.data, c.conv!.bias.shape));
      });
    }
    const vid = c.regressors?.map((stage) => stage.map((w) => tf.tidy(() => tf.variable(tf.tensor(w.data, w.shape)))) as unknown as VidRegressor);
    // A term with state (CRD's memory bank and Z) is fresh for each of the two differentiations.
    const makeTerm = (): LossTerm | undefined => {
      if (c.crd) return crdTerm(c);
      if (c.ofd) return ofdTerm(c);
      if (!c.abfWeights) return undefined;
      const created = reviewkdTerm();
      tf.tidy(() => created.variables!.trainable.forEach((v, k) => v.assign(tf.tensor(c.abfWeights![k]!.data, c.abfWeights![k]!.shape))));
      return created;
    };
    let term = makeTerm();
    const { value, grads } = tf.valueAndGrads((...inputs: tf.Tensor[]) => compute(c, inputs, ts, reg, vid, term))(xs);
    if (exp.state) {
      const names = ['memoryV1', 'memoryV2', 'normalizers'];
      term!.variables!.state.forEach((v, k) => expectClose(v.dataSync(), exp.state![names[k]!]!, `state ${names[k]} after the step`));
    }
    if (term && c.crd) {
      term.dispose!();
      term = makeTerm();
    }
    expect(Math.abs(value.dataSync()[0]! - exp.loss) / Math.max(Math.abs(exp.loss), 1e-12)).toBeLessThan(1e-4);
    grads.forEach((g, i) => expectClose(g.dataSync(), exp.grads[i]!, `d loss / d student[${i}]`));
    if (vid) {
      const variables = vid.flat() as tf.Variable[];
      const { value: again, grads: vg } = tf.variableGrads(() => compute(c, xs, ts, reg, vid), variables);
      again.dispose();
      variables.forEach((v, k) => expectClose(vg[v.name]!.dataSync(), exp.convGrads![`${Math.floor(k / 3)}.${k % 3}`]!, `d loss / d regressor ${Math.floor(k / 3)}.${k % 3}`));
      tf.dispose([...Object.values(vg), ...variables]);
    }
    if (term) {
      const variables = term.variables!.trainable as tf.Variable[];
      const { value: again, grads: ag } = tf.variableGrads(() => compute(c, xs, ts, reg, vid, term), variables);
      again.dispose();
      variables.forEach((v, k) => expectClose(ag[v.name]!.dataSync(), exp.convGrads![String(k)]!, `d loss / d ${c.loss} variable ${k} [${v.shape.join(', ')}]`));
      tf.dispose(Object.values(ag));
      term.dispose!();
    }
    if (reg) {
      const { value: again, grads: pg } = tf.variableGrads(() => compute(c, xs, ts, reg), [reg.weight, reg.bias]);
      again.dispose();
      expectClose(pg[reg.weight.name]!.dataSync(), exp.convGrads!['weight']!, 'd loss / d conv weight');
      // BatchNorm cancels the conv bias: its exact gradient is zero, so compare on the weight gradient's scale.
      expectClose(pg[reg.bias.name]!.dataSync(), exp.convGrads!['bias']!, 'd loss / d conv bias', Math.max(...exp.convGrads!['weight']!.map(Math.abs)));
      tf.dispose(Object.values(pg));
      tf.dispose([...reg.variables.trainable, ...reg.variables.state]);
    }
    tf.dispose([value, ...grads, ...xs, ...ts]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
