/**
 * Bundles src/worker/data-worker.ts with esbuild into a temp .mjs file so tests can run the real
 * worker code from TypeScript sources (Node cannot start a worker from a .ts file).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

let bundled: Promise<string> | undefined;

export function workerScript(): Promise<string> {
  bundled ??= (async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'dkl-data-worker-')), 'data-worker.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('../../src/worker/data-worker.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      logLevel: 'silent',
      // pngjs / jpeg-js are CommonJS; give the ESM bundle a require().
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    return outfile;
  })();
  return bundled;
}
