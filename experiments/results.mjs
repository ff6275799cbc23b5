#!/usr/bin/env node
// Turns experiments/results/*.json into markdown tables (stdout) and SVG plots (docs/img/).
//   node experiments/results.mjs [--in experiments/results] [--img docs/img]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { lineChartSvg } from '@dkl/cli';
import { flag, here } from './script-args.mjs';

const input = resolve(flag('in', join(here, 'results')));
const img = resolve(flag('img', join(here, '../docs/img')));
const load = (suite) => (existsSync(join(input, `${suite}.json`)) ? JSON.parse(readFileSync(join(input, `${suite}.json`), 'utf8')) : undefined);

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs) => (xs.length > 1 ? Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)) : 0);
const pm = (xs, digits = 2) => `${mean(xs).toFixed(digits)} ± ${std(xs).toFixed(digits)}`;
const byMethod = (results) => {
  const groups = new Map();
  for (const r of results) groups.set(r.method, [...(groups.get(r.method) ?? []), r]);
  return groups;
};
const lastEval = (r) => r.history.at(-1).eval.test;
const trainSeconds = (r) => r.history.reduce((a, h) => a + h.durationMs, 0) / 1000;
const lines = [];
const print = (s = '') => lines.push(s);
mkdirSync(img, { recursive: true });

function curvesSvg(results, title, pick, yLabel) {
  const series = [...byMethod(results)].map(([method, runs]) => {
    const epochs = runs[0].history.length;
    const points = Array.from({ length: epochs }, (_, e) => [e + 1, mean(runs.map((r) => pick(r.history[e])))]);
    return { name: method, points };
  });
  const id = title.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  const svg = lineChartSvg({ id, title, xLabel: 'epoch', yLabel, series, integerX: true });
  // Standalone file: the report embeds these inline; a file needs the SVG namespace.
  return svg.includes('xmlns=') ? svg : svg.replace('<svg', '<svg xmlns="http://www.w3.org/2000/svg"');
}

const kd = load('kd');
if (kd) {
  print(`### Knowledge distillation (Fashion-MNIST, resnet14 teacher -> tiny_cnn student, ${kd.seeds} seeds)`);
  print();
  print('| student objective | test top-1 % | test top-5 % | train time s |');
  print('|---|---|---|---|');
  for (const [method, runs] of byMethod(kd.results)) {
    print(`| ${method} | ${pm(runs.map((r) => 100 * lastEval(r).top1))} | ${pm(runs.map((r) => 100 * lastEval(r).top5))} | ${pm(runs.map(trainSeconds), 1)} |`);
  }
  print();
  writeFileSync(join(img, 'kd-test-top1.svg'), curvesSvg(kd.results, 'KD: test top-1 by epoch (mean over seeds)', (h) => 100 * h.eval.test.top1, 'top-1 %'));
}

const distill = load('distill');
if (distill) {
  print(`### Feature distillers (Fashion-MNIST, resnet14 teacher -> resnet8 student, ${distill.seeds} seeds)`);
  print();
  const ce = byMethod(distill.results).get('ce');
  const ceMean = ce ? mean(ce.map((r) => 100 * lastEval(r).top1)) : NaN;
  print('| student objective | test top-1 % | vs ce | test top-5 % | train time s |');
  print('|---|---|---|---|---|');
  for (const [method, runs] of byMethod(distill.results)) {
    const top1 = runs.map((r) => 100 * lastEval(r).top1);
    const delta = mean(top1) - ceMean;
    print(`| ${method} | ${pm(top1)} | ${method === 'ce' ? '' : `${delta >= 0 ? '+' : ''}${delta.toFixed(2)}`} | ${pm(runs.map((r) => 100 * lastEval(r).top5))} | ${pm(runs.map(trainSeconds), 1)} |`);
  }
  print(); // evaluated once, after the last epoch: no curve to plot
}

const dvk = load('dkl-vs-kl');
if (dvk) {
  print(`### DKL vs KL (Theorem 1): the same seed trained with each, ${dvk.seeds} seeds`);
  print();
  print('Train loss values differ (DKL adds the wMSE term, which carries no student gradient here); what must match is everything the gradients drive:');
  print();
  print('| seed | epoch | KL test loss | DKL test loss | abs diff | KL top-1 % | DKL top-1 % |');
  print('|---|---|---|---|---|---|---|');
  let worst = 0;
  for (let seed = 0; seed < dvk.seeds; seed++) {
    const kl = dvk.results.find((r) => r.method === 'kl' && r.seed === seed);
    const d = dvk.results.find((r) => r.method === 'dkl' && r.seed === seed);
    kl.history.forEach((h, e) => {
      const a = h.eval.test;
      const b = d.history[e].eval.test;
      worst = Math.max(worst, Math.abs(a.loss - b.loss));
      print(`| ${seed} | ${e + 1} | ${a.loss.toFixed(6)} | ${b.loss.toFixed(6)} | ${Math.abs(a.loss - b.loss).toExponential(1)} | ${(100 * a.top1).toFixed(2)} | ${(100 * b.top1).toFixed(2)} |`);
    });
  }
  print();
  print(`Largest test-loss difference between the KL and DKL runs: ${worst.toExponential(2)}.`);
  print();
  writeFileSync(join(img, 'dkl-vs-kl-test-loss.svg'), curvesSvg(dvk.results, 'DKL vs KL: test loss by epoch', (h) => h.eval.test.loss, 'test CE'));
}

const at = load('at');
if (at) {
  print(`### Adversarial training (Fashion-MNIST, tiny_cnn, L-inf eps ${at.results[0] ? '0.1' : ''}, ${at.seeds} seeds)`);
  print();
  print('| objective | clean top-1 % (test) | PGD-20 % | AutoAttack % | train time s |');
  print('|---|---|---|---|---|');
  for (const [method, runs] of byMethod(at.results)) {
    print(`| ${method} | ${pm(runs.map((r) => 100 * r.pgd.top1))} | ${pm(runs.map((r) => 100 * r.pgd.robust_pgd))} | ${runs.every((r) => r.autoattack) ? pm(runs.map((r) => 100 * r.autoattack.robust_autoattack)) : '-'} | ${pm(runs.map(trainSeconds), 1)} |`);
  }
  print();
  print(`PGD-20 is measured on the first ${at.results[0]?.pgd.attacked_examples ?? '?'} test images, AutoAttack (standard: APGD-CE, APGD-T, FAB-T, Square) on the first ${at.results[0]?.autoattack?.attacked_examples ?? '?'}; clean accuracy is on the whole ${at.results[0]?.pgd.attacked_examples ?? '?'}-image test subset.`);
  print();
  writeFileSync(join(img, 'at-test-top1.svg'), curvesSvg(at.results, 'AT: clean test top-1 by epoch', (h) => 100 * h.eval.test.top1, 'top-1 %'));
}
process.stdout.write(`${lines.join('\n')}\n`);
