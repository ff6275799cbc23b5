/**
 * Bundles src/worker/data-worker.ts with esbuild into a temp .mjs file so tests can run the real
 * worker code from TypeScript sources (Node cannot start a worker from a .ts file).
 */
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

let bundled: Promise<string> | undefined;

export function workerScript(): Promise<string> {
  bundled ??= (async () => {
    // Under the package's node_modules so the bundle resolves sharp (native, kept external) like the package does.
    const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
    mkdirSync(cache, { recursive: true });
    // One fixed file, replaced atomically: concurrent test files may bundle at once, nothing accumulates.
    const outfile = join(cache, 'dkl-test-data-worker.mjs');
    const temp = `${outfile}.${process.pid}.tmp`;
    await build({
      entryPoints: [fileURLToPath(new URL('../../src/worker/data-worker.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: temp,
      logLevel: 'silent',
      external: ['sharp'],
      // pngjs / jpeg-js are CommonJS; give the ESM bundle a require().
      banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    });
    renameSync(temp, outfile);
    return outfile;
  })();
  return bundled;
}
