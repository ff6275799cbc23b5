#!/usr/bin/env node
// `npm run test:webgpu`: the full webgpu suite (DKL_WEBGPU_FULL=1: the whole loss grid, resnet8 at
// 32x32 batch 16, tiny_cnn 80 steps, PGD 10 steps) on SwiftShader, or on the GPU VK_ICD_FILENAMES
// (or the system) provides. CI runs the same files at small sizes as part of each package's tests.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suites = [
  ['packages/core', ['test/webgpu-fused-ops.test.ts', 'test/backend-registry.test.ts']],
  ['packages/losses', ['test/webgpu-agreement.test.ts']],
  ['packages/trainers', ['test/webgpu']],
];
const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', 'core', 'losses', 'models', 'attacks', 'trainers', '--output-style=static'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
let failed = 0;
for (const [dir, files] of suites) {
  const started = Date.now();
  const run = spawnSync('npx', ['vitest', 'run', ...files], { cwd: join(root, dir), stdio: 'inherit', env: { ...process.env, DKL_WEBGPU_FULL: '1' } });
  process.stderr.write(`[test:webgpu] ${dir}: ${run.status === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (run.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
