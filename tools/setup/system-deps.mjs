#!/usr/bin/env node
// Installs the system packages the test suite and the fast backend use, when this machine lets us
// (root + apt-get): Debian's `chromium` (the HTML report test renders in headless Chromium; its
// SwiftShader Vulkan driver is the software GPU of the webgpu tests), `libvulkan1` (the Vulkan
// loader Dawn, the `webgpu` npm package, opens), `libdnnl-dev` (oneDNN, for the optional
// @dkl/backend-native addon), `python3-torchvision` (reference logits for @dkl/models) and
// `redis-server` (the @dkl/sweeps tests start a real one for BullMQ), then builds the addon.
// Without root or apt it says what is missing and continues: the report test then fails with a
// clear message, and the backend falls back to wasm.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const log = (line) => process.stderr.write(`[setup] ${line}\n`);
const wanted = [
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') || existsSync('/usr/bin/chromium-browser') },
  { pkg: 'libvulkan1', present: () => ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1', '/usr/lib/libvulkan.so.1'].some(existsSync) },
  { pkg: 'libdnnl-dev', present: () => existsSync('/usr/include/oneapi/dnnl/dnnl.hpp') || existsSync('/usr/include/dnnl.hpp') },
  // torchvision's own ResNets are the reference of @dkl/models' imagenet_* test (Debian's interpreter).
  { pkg: 'python3-torchvision', present: () => spawnSync('/usr/bin/python3', ['-c', 'import torchvision'], { stdio: 'ignore' }).status === 0 },
  { pkg: 'redis-server', present: () => existsSync('/usr/bin/redis-server') },
];
const missing = wanted.filter((w) => !w.present()).map((w) => w.pkg);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;

if (missing.length === 0) log(`${wanted.map((w) => w.pkg).join(', ')} are installed`);
else if (!isRoot || !hasApt) log(`missing ${missing.join(', ')}; install with: sudo apt-get install -y ${missing.join(' ')}`);
else {
  log(`installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  } catch (error) {
    log(`apt-get failed (${error.message}); continuing without ${missing.join(', ')}`);
  }
}

// The native addon is optional: build it when oneDNN's headers exist (the script exits 0 otherwise).
const build = spawnSync('npm', ['run', '--silent', 'build:native', '-w', '@dkl/backend-native'], { stdio: 'inherit' });
if (build.status !== 0) log('the dkl-native addon did not build; dkl falls back to the wasm backend');
