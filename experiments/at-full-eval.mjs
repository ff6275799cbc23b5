#!/usr/bin/env node
// The AT study (configs.mjs atConfig: TRADES vs IKL-AT on Fashion-MNIST) trained with the
// weight-averaging plugin and evaluated on the full 10,000-image test set by AutoAttack standard,
// with the raw (last) and the averaged weights. Every step is resumable: a finished training is not
// repeated, and `dkl eval` continues a killed evaluation from its state file in the run directory.
//   node experiments/at-full-eval.mjs [--seeds 3] [--scale 1] [--n-ex N (default: all 10,000)]
//     [--out DIR (default experiments/results/at-full)] [--methods trades,ikl-at] [--weights last,averaged] [--smoke]
// --smoke: one seed, tiny data, 20 examples and small attack budgets (checks the pipeline only).
// --methods: a subset, e.g. to evaluate the methods in two processes side by side (each keeps ~1 core).
// --weights: a subset likewise (an evaluation of `last` and one of `averaged` can run side by side).
// The results of a subset go to at-full-<methods>[-<weights>].json.
// Writes <out>/at-full.json (or at-full-<methods>.json) and prints a table of clean_acc / autoattack_acc per method and weights.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AT_EPSILON, AT_METHODS, atConfig } from './configs.mjs';
import { args, flag, here, meanSd, spawnDkl } from './script-args.mjs';

const smoke = args.includes('--smoke');
const seeds = Number(flag('seeds', smoke ? 1 : 3));
const scale = Number(flag('scale', smoke ? 0.01 : 1));
const nEx = flag('n-ex', smoke ? '20' : undefined);
const out = resolve(flag('out', join(here, 'results', smoke ? 'at-full-smoke' : 'at-full')));
const methods = flag('methods', Object.keys(AT_METHODS).join(',')).split(',');
for (const m of methods) if (!(m in AT_METHODS)) throw new Error(`--methods: unknown method '${m}'; known: ${Object.keys(AT_METHODS).join(', ')}`);
const WEIGHTS = ['last', 'averaged'];
const weightsList = flag('weights', WEIGHTS.join(',')).split(',');
for (const w of weightsList) if (!WEIGHTS.includes(w)) throw new Error(`--weights: unknown weights '${w}'; known: ${WEIGHTS.join(', ')}`);
const budgets = smoke ? ['apgdSteps=5', 'nTargetClasses=2', 'fabSteps=5', 'squareQueries=20'].flatMap((o) => ['--attack-option', o]) : [];

function dkl(argv) {
  const result = spawnDkl(['--runs-dir', join(out, 'runs'), ...argv]);
  if (result.status !== 0) throw new Error(`dkl ${argv.join(' ')} exited with ${result.status}`);
  return result.stdout;
}

/** The study's config with the weight average recorded and the whole test split as the evaluation split. */
function config(method, seed) {
  const base = atConfig(method, seed, scale);
  const { subset: _subset, shuffle: _shuffle, ...test } = base.data.eval.test;
  return {
    ...base,
    name: `at-full-${method}-seed${seed}`,
    data: { ...base.data, eval: { test: smoke ? base.data.eval.test : test } },
    // As the AT presets: an EMA of the weights per epoch, from the first epoch.
    plugins: [...base.plugins, { name: 'weight-averaging', options: { every: 'epoch', decay: 0.9, startEpoch: 1 } }],
  };
}

/** The newest finished run directory of `name`, if any. */
function finishedRun(name) {
  const runs = join(out, 'runs');
  if (!existsSync(runs)) return undefined;
  const dirs = readdirSync(runs).filter((d) => d.endsWith(`-${name}`)).sort().reverse();
  return dirs.map((d) => join(runs, d)).find((d) => existsSync(join(d, 'summary.json')) && JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).status === 'completed');
}

mkdirSync(join(out, 'configs'), { recursive: true });
const results = [];
for (const method of methods) {
  for (let seed = 0; seed < seeds; seed++) {
    const cfg = config(method, seed);
    let runDir = finishedRun(cfg.name);
    if (!runDir) {
      const file = join(out, 'configs', `${cfg.name}.json`);
      writeFileSync(file, `${JSON.stringify(cfg, null, 2)}\n`);
      dkl(['train', file]);
      runDir = finishedRun(cfg.name);
      if (!runDir) throw new Error(`no finished run directory for ${cfg.name} under ${join(out, 'runs')}`);
    }
    for (const weights of weightsList) {
      const started = Date.now();
      const metrics = JSON.parse(
        dkl(['eval', runDir, '--attack', 'autoattack', '--version', 'standard', '--norm', 'linf', '--eps', String(AT_EPSILON), '--weights', weights, '--json', ...(nEx ? ['--n-ex', nEx] : []), ...budgets])
          .trim()
          .split('\n')
          .at(-1),
      );
      const robustDir = join(runDir, 'robust-eval');
      const record = readdirSync(robustDir)
        .filter((f) => f.endsWith('.json') && !f.endsWith('.state.json'))
        .map((f) => JSON.parse(readFileSync(join(robustDir, f), 'utf8')))
        .find((r) => r.weights === weights && r.attack === 'autoattack' && r.n_ex === metrics.attacked_examples);
      results.push({ method, seed, weights, runDir, ...record, evalMs: Date.now() - started });
      process.stderr.write(`${cfg.name} ${weights}: clean ${record.clean_acc} %, AutoAttack ${record.autoattack_acc} % on ${record.n_ex} test images\n`);
    }
  }
}
const allMethods = methods.length === Object.keys(AT_METHODS).length;
const allWeights = weightsList.length === WEIGHTS.length;
const resultFile = allMethods && allWeights ? 'at-full.json' : `at-full-${methods.join('+')}${allWeights ? '' : `-${weightsList.join('+')}`}.json`;
writeFileSync(join(out, resultFile), `${JSON.stringify({ seeds, scale, results }, null, 2)}\n`);

console.log('| objective | weights | clean_acc % | autoattack_acc % | n_ex |');
console.log('|---|---|---|---|---|');
for (const method of methods) {
  for (const weights of weightsList) {
    const rows = results.filter((r) => r.method === method && r.weights === weights);
    console.log(`| ${method} | ${weights} | ${meanSd(rows.map((r) => r.clean_acc))} | ${meanSd(rows.map((r) => r.autoattack_acc))} | ${rows[0].n_ex} |`);
  }
}
