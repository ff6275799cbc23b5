#!/usr/bin/env node
// A software Vulkan driver for WebGPU on machines without a GPU (CI, this project's tests): Debian's
// `chromium` ships SwiftShader (`libvk_swiftshader.so` + `vk_swiftshader_icd.json`, whose library
// path is relative). `useSwiftShader()` writes a copy of the ICD file naming the library by
// absolute path into a per-user temp dir and points VK_ICD_FILENAMES at it (and XDG_RUNTIME_DIR, which Dawn
// wants, at that dir when unset). Call it before the first WebGPU adapter request: the Vulkan
// loader reads the variables then. As a script it prints the `export` lines for a shell.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const KNOWN = ['/usr/lib/chromium/libvk_swiftshader.so', '/usr/lib/chromium-browser/libvk_swiftshader.so', '/usr/lib64/chromium/libvk_swiftshader.so'];

/** Absolute path of SwiftShader's Vulkan library, or null. */
export function findSwiftShader() {
  const known = KNOWN.find((p) => existsSync(p));
  if (known) return known;
  try {
    const out = execFileSync('dpkg', ['-S', 'libvk_swiftshader.so'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const path = out.split('\n').map((l) => l.split(': ')[1]?.trim()).find((p) => p && p.endsWith('/libvk_swiftshader.so') && existsSync(p));
    return path ?? null;
  } catch {
    return null;
  }
}

/**
 * Points the Vulkan loader at SwiftShader for this process (and its children). Returns the paths;
 * throws naming what is missing.
 */
export function useSwiftShader(env = process.env) {
  const library = findSwiftShader();
  if (!library) {
    throw new Error("SwiftShader's libvk_swiftshader.so not found: install Debian's chromium (npm run setup does, as root)");
  }
  // One fixed directory per user (rewritten atomically each time), so runs leave nothing behind.
  const dir = join(tmpdir(), `dkl-swiftshader-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const icd = join(dir, 'vk_swiftshader_icd.json');
  writeFileSync(`${icd}.${process.pid}.tmp`, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: library, api_version: '1.0.5' } }));
  renameSync(`${icd}.${process.pid}.tmp`, icd);
  env['VK_ICD_FILENAMES'] = icd;
  env['XDG_RUNTIME_DIR'] ??= dir;
  return { library, icd, runtimeDir: env['XDG_RUNTIME_DIR'] };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const env = {};
  const { library } = useSwiftShader(env);
  process.stderr.write(`[setup] SwiftShader: ${library} (${dirname(library)})\n`);
  for (const [k, v] of Object.entries(env)) process.stdout.write(`export ${k}=${v}\n`);
}
