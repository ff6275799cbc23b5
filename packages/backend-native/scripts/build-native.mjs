#!/usr/bin/env node
// Builds the dkl-native addon with node-gyp when oneDNN's headers are present.
// Without them (libdnnl-dev not installed) it prints a warning and exits 0, so
// that the addon stays optional: the TS package still builds and its tests skip.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
// DNNL_INCLUDE_DIR points at a oneDNN include directory outside the system paths.
const customDir = process.env.DNNL_INCLUDE_DIR;
const headerDirs = customDir ? [customDir] : ['/usr/include', '/usr/local/include'];
const header = headerDirs.map((d) => join(d, 'oneapi', 'dnnl', 'dnnl.hpp')).find((f) => existsSync(f));

if (!header) {
  console.warn(
    'warning: @dkl/backend-native: oneDNN headers (oneapi/dnnl/dnnl.hpp) not found; ' +
      'skipping the native addon build. Install them with `apt-get install -y libdnnl-dev` ' +
      'and run `npm run build:native -w @dkl/backend-native`.',
  );
  process.exit(0);
}

const require = createRequire(import.meta.url);
const nodeGyp = join(dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
const env = { ...process.env };
if (customDir) env.CXXFLAGS = `${env.CXXFLAGS ?? ''} -I${customDir}`.trim();
// binding.gyp lives in native/ rather than the package root so that npm does
// not add an implicit `node-gyp rebuild` install step (which would fail without
// libdnnl-dev); the build is always this explicit, optional script.
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--jobs', 'max'], {
  cwd: join(pkgDir, 'native'),
  stdio: 'inherit',
  env,
});
if (result.status !== 0) {
  console.error(`error: @dkl/backend-native: node-gyp rebuild failed (exit ${result.status ?? result.signal})`);
  process.exit(result.status ?? 1);
}
console.log(`@dkl/backend-native: built native/build/Release/dkl_native.node against ${header}`);
