// The packages as npm users get them (run: node --test tools/packages.test.mjs, after a build):
// `npm pack` core, losses and models, install the tarballs in a fresh project outside the workspace
// next to a different @tensorflow/tfjs 4.x than the workspace's, and train one step with a zoo model
// and decoupledKL. tfjs is a peer dependency of every package, so there must be exactly one tfjs
// engine in that project and the packages must use it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const USER_TFJS = '4.21.0'; // the workspace builds and tests with 4.22.0
const PACKED = ['core', 'losses', 'models'];

function sh(command, args, cwd) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed in ${cwd}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const STEP = `
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@dkl/core';
import { decoupledKL, iklKdOptions } from '@dkl/losses/math';
import { lossesModule } from '@dkl/losses';
import { createModel } from '@dkl/models';

const info = await initBackend({ log: false });
const student = createModel('tiny_cnn', { numClasses: 10, seed: 1 });
const teacher = createModel('tiny_cnn', { numClasses: 10, seed: 2 });
const x = tf.randomUniform([8, 32, 32, 3], 0, 1, 'float32', 3);
const reference = teacher.forward(x, { training: false }).logits;
const before = student.trainableVariables.map((v) => Array.from(v.dataSync()));
const optimizer = tf.train.sgd(0.1);
const loss = optimizer.minimize(() => decoupledKL(reference, student.forward(x, { training: true }).logits, iklKdOptions()), true, student.trainableVariables);
const changed = student.trainableVariables.filter((v, i) => v.dataSync().some((value, j) => value !== before[i][j])).length;
console.log(JSON.stringify({
  tfjs: tf.version.tfjs,
  backend: info.name,
  loss: loss.dataSync()[0],
  changed,
  variables: student.trainableVariables.length,
  sameEngine: student.trainableVariables.every((v) => v instanceof tf.Variable),
  module: typeof lossesModule,
}));
`;

describe('published packages', () => {
  it(`install beside @tensorflow/tfjs ${USER_TFJS} (a peer dependency: one tfjs engine) and train a step`, () => {
    const work = mkdtempSync(join(tmpdir(), 'dkl-pack-'));
    try {
      const tarballs = PACKED.map((name) => {
        const out = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', work, '-w', `@dkl/${name}`], ROOT));
        return [`@dkl/${name}`, `file:${join(work, out[0].filename)}`];
      });
      const project = join(work, 'app');
      sh('mkdir', ['-p', project], work);
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module', dependencies: { '@tensorflow/tfjs': USER_TFJS, ...Object.fromEntries(tarballs) } }, null, 2));
      sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], project);
      // Exactly one copy of tfjs-core: the user's.
      const cores = readdirSync(join(project, 'node_modules'), { recursive: true }).filter((p) => String(p).endsWith(join('@tensorflow', 'tfjs-core', 'package.json')));
      assert.deepEqual(cores, [join('@tensorflow', 'tfjs-core', 'package.json')]);
      assert.equal(JSON.parse(readFileSync(join(project, 'node_modules/@tensorflow/tfjs-core/package.json'), 'utf8')).version, USER_TFJS);
      writeFileSync(join(project, 'step.mjs'), STEP);
      const result = JSON.parse(sh(process.execPath, ['step.mjs'], project).trim().split('\n').at(-1));
      assert.equal(result.tfjs, USER_TFJS);
      assert.ok(Number.isFinite(result.loss) && result.loss > 0, `loss ${result.loss}`);
      assert.equal(result.changed, result.variables, 'every trainable variable moved');
      assert.equal(result.sameEngine, true);
      assert.equal(result.module, 'object');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
