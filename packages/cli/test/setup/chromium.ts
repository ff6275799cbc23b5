/**
 * vitest globalSetup: makes headless Chromium (Debian's `chromium` package) available for the
 * report rendering test, installing it with apt-get when running as root. It never throws: the
 * outcome is provided to tests as `inject('chromium')`, and the Chromium test fails with the
 * recorded reason when there is no browser.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';

export interface ChromiumInfo {
  /** Executable path, when available. */
  readonly path?: string;
  /** Why Chromium is unavailable. */
  readonly error?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    chromium: ChromiumInfo;
  }
}

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium executable (`CHROMIUM_PATH` first), if installed. */
export function findChromium(): string | undefined {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CANDIDATES.find((p) => existsSync(p));
}

function run(command: string, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: 15 * 60_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`;
  return { ok: result.status === 0, output: output.slice(-2000) };
}

/** Finds Chromium, or installs it with `apt-get install -y chromium` when running as root on Linux. */
export function ensureChromium(): ChromiumInfo {
  const found = findChromium();
  if (found) return { path: found };
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    return { error: 'Chromium is not installed (/usr/bin/chromium) and the tests are not running as root, so they cannot install it: run `sudo apt-get install -y chromium` or set CHROMIUM_PATH' };
  }
  const update = run('apt-get', ['update']);
  if (!update.ok) return { error: `apt-get update failed:\n${update.output}` };
  const install = run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
  if (!install.ok) return { error: `apt-get install -y chromium failed:\n${install.output}` };
  const installed = findChromium();
  return installed ? { path: installed } : { error: `apt-get installed chromium but no executable is at ${CANDIDATES.join(' or ')}` };
}

export default function setup(project: TestProject): void {
  project.provide('chromium', ensureChromium());
}
