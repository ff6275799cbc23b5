/**
 * Bundles download-child.ts with esbuild so the concurrent-download test can start real Node
 * processes from TypeScript sources. The bundle is written under the package's node_modules so
 * it resolves @dkl/core and tar like the package does.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

let bundled: Promise<string> | undefined;

export function downloadChildScript(): Promise<string> {
  bundled ??= (async () => {
    const cache = fileURLToPath(new URL('../../node_modules/.cache/', import.meta.url));
    mkdirSync(cache, { recursive: true });
    const outfile = join(mkdtempSync(join(cache, 'dkl-download-child-')), 'download-child.mjs');
    await build({
      entryPoints: [fileURLToPath(new URL('./download-child.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      logLevel: 'silent',
      external: ['@dkl/core', 'tar'],
    });
    return outfile;
  })();
  return bundled;
}
