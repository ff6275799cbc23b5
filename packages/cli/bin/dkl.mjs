#!/usr/bin/env node
// The `dkl` command's entry file. It is committed (not a build output) so that npm links a working,
// executable `dkl` as soon as `npm ci` finishes, before anything is built; it loads the built CLI.
import { existsSync } from 'node:fs';

const built = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(built)) {
  process.stderr.write('dkl: the CLI is not built yet: run npm run build first\n');
  process.exit(1);
}
// `dkl presets | head` closes the pipe early: that ends the command quietly, it is not a failure.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
await import(built.href);
