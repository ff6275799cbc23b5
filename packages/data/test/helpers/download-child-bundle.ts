/**
 * Bundles download-child.ts with esbuild so the concurrent-download test can start real Node
 * processes from TypeScript sources. The bundle is written under the package's node_modules so
 * it resolves @dkl/core and tar like the package does.
 */
import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

let bundled: Promise<string> | undefined;

export function downloadChildScript(): Promise<string> {
  bundled ??= (async () => {
    const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
    mkdirSync(cache, { recursive: true });
    // One fixed file, replaced atomically: concurrent test files may bundle at once, nothing accumulates.
    const outfile = join(cache, 'dkl-test-download-child.mjs');
    const temp = `${outfile}.${process.pid}.tmp`;
    await build({
      entryPoints: [fileURLToPath(new URL('./download-child.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: temp,
      logLevel: 'silent',
      external: ['@dkl/core', 'tar'],
    });
    renameSync(temp, outfile);
    return outfile;
  })();
  return bundled;
}
