// What the experiments scripts share: their folder, the dkl bin, `--name value` flags and one way
// to run dkl.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** This folder (experiments/). */
export const here = dirname(fileURLToPath(import.meta.url));
/** The dkl bin of this checkout. */
export const DKL = resolve(here, '../packages/cli/bin/dkl.mjs');
/** The script's command-line arguments. */
export const args = process.argv.slice(2);

/** The value after `--name`, else `fallback`. */
export function flag(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/** Runs `dkl --no-progress <argv>` to the end: stdout captured, stderr passed through. */
export function spawnDkl(argv) {
  return spawnSync(process.execPath, [DKL, '--no-progress', ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
}

/** `mean ± sample sd` of `xs` with 2 decimals. */
export function meanSd(xs) {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return `${mean.toFixed(2)} ± ${sd.toFixed(2)}`;
}
