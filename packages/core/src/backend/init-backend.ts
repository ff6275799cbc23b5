/**
 * Picks the fastest tensor backend present at run time and says which it picked.
 *
 * Order: `tensorflow-gpu` (@tensorflow/tfjs-node-gpu, CUDA), `tensorflow` (@tensorflow/tfjs-node,
 * libtensorflow), `dkl-native` (@dkl/backend-native, oneDNN), `wasm` (XNNPACK, with our
 * convolution-gradient kernels), `cpu` (pure JS). Each is imported lazily; the first that loads
 * wins. `DKL_BACKEND` forces one, and a forced backend that is missing is an error.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { BackendError, ConfigError } from '../errors.js';
import { registerCpuFallbackKernels, WASM_KERNELS_REPLACED } from './cpu-fallback-kernels.js';
import { registerWasmConvGradKernels } from './wasm-conv-grad-kernels.js';

export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'dkl-native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

const ALIASES: Record<string, BackendName> = {
  cuda: 'tensorflow-gpu',
  gpu: 'tensorflow-gpu',
  'tfjs-node-gpu': 'tensorflow-gpu',
  node: 'tensorflow',
  'tfjs-node': 'tensorflow',
  native: 'dkl-native',
  onednn: 'dkl-native',
};

/** What `initBackend` picked. */
export interface BackendInfo {
  readonly name: BackendName;
  /** The name tfjs knows the backend by (`tf.getBackend()`). */
  readonly tfjsBackend: string;
  /** The npm package that provides it. */
  readonly package: string;
  /** tfjs-core version, plus the backend package's own version when it has one. */
  readonly version: string;
  readonly threads: number;
  readonly simd: boolean;
  /** True when `DKL_BACKEND` or `prefer` named exactly one backend. */
  readonly forced: boolean;
  /** Why each earlier candidate was skipped. */
  readonly skipped: ReadonlyArray<{ readonly name: BackendName; readonly reason: string }>;
  /** Kernels the framework added (conv gradients, borrowed cpu kernels). */
  readonly addedKernels: readonly string[];
}

/** Dynamic import, replaceable in tests to simulate installed or missing packages. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

export interface InitBackendOptions {
  /** Candidates in order (default: all, fastest first). One name means "this one or fail". */
  readonly prefer?: BackendName | readonly BackendName[];
  /** Environment to read `DKL_BACKEND` from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the one-line summary goes (default: stderr); `false` silences it. */
  readonly log?: ((line: string) => void) | false;
  readonly importer?: ModuleImporter;
}

const PACKAGES: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  'dkl-native': '@dkl/backend-native',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

interface Loaded {
  tfjsBackend: string;
  version: string;
  threads: number;
  simd: boolean;
  addedKernels: string[];
}

const defaultImporter: ModuleImporter = (specifier) => import(specifier);

function isMissingModule(error: unknown, specifier: string): boolean {
  const e = error as { code?: string; message?: string };
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && (e.message ?? '').includes(specifier)
  );
}

async function activate(tfjsBackend: string): Promise<void> {
  const ok = await tf.setBackend(tfjsBackend);
  if (!ok) throw new Error(`tf.setBackend('${tfjsBackend}') failed`);
  await tf.ready();
  // The pure-JS cpu backend (and backends built on it) print an "install tfjs-node" banner on
  // first use; we have already said which backend runs and why, so switch it off.
  for (const name of [tfjsBackend, 'cpu']) {
    const backend = tf.engine().findBackend(name) as { firstUse?: boolean } | null;
    if (backend && 'firstUse' in backend) backend.firstUse = false;
  }
}

async function loadCandidate(name: BackendName, importer: ModuleImporter): Promise<Loaded> {
  const pkg = PACKAGES[name];
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const mod = (await importer(pkg)) as { version?: { 'tfjs-node'?: string } };
      await activate('tensorflow');
      return { tfjsBackend: 'tensorflow', version: `${pkg} ${mod.version?.['tfjs-node'] ?? tf.version_core}`, threads: os.cpus().length, simd: true, addedKernels: [] };
    }
    case 'dkl-native': {
      const mod = (await importer(pkg)) as {
        registerNativeBackend(): Promise<{ name: string; version: string; threads: number; onednnVersion?: string }>;
      };
      const info = await mod.registerNativeBackend();
      await activate(info.name);
      const version = `${pkg} ${info.version}${info.onednnVersion ? `, oneDNN ${info.onednnVersion}` : ''}`;
      return { tfjsBackend: info.name, version, threads: info.threads, simd: true, addedKernels: [] };
    }
    case 'wasm': {
      const mod = (await importer(pkg)) as { version_wasm?: string };
      await activate('wasm');
      const addedKernels = [...registerWasmConvGradKernels('wasm'), ...registerCpuFallbackKernels('wasm', WASM_KERNELS_REPLACED)];
      const threaded = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
      return {
        tfjsBackend: 'wasm',
        version: `${pkg} ${mod.version_wasm ?? tf.version_core}`,
        threads: threaded ? os.cpus().length : 1,
        simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'),
        addedKernels,
      };
    }
    case 'cpu':
      await activate('cpu');
      return { tfjsBackend: 'cpu', version: `${pkg} ${tf.version_core}`, threads: 1, simd: false, addedKernels: [] };
  }
}

/** Resolves `DKL_BACKEND` / `prefer` to an ordered candidate list. */
export function resolveBackendCandidates(options: Pick<InitBackendOptions, 'prefer' | 'env'> = {}): {
  candidates: BackendName[];
  forced: boolean;
} {
  const env = options.env ?? process.env;
  const forcedRaw = env['DKL_BACKEND']?.trim().toLowerCase();
  if (forcedRaw) {
    const name = (BACKEND_NAMES as readonly string[]).includes(forcedRaw) ? (forcedRaw as BackendName) : ALIASES[forcedRaw];
    if (!name) {
      throw new ConfigError('DKL_BACKEND', `unknown backend '${forcedRaw}'; allowed: ${[...BACKEND_NAMES, ...Object.keys(ALIASES)].join(', ')}`);
    }
    return { candidates: [name], forced: true };
  }
  if (options.prefer === undefined) return { candidates: [...BACKEND_NAMES], forced: false };
  const list = typeof options.prefer === 'string' ? [options.prefer] : [...options.prefer];
  for (const name of list) {
    if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
      throw new ConfigError('backend.prefer', `unknown backend '${name}'; allowed: ${BACKEND_NAMES.join(', ')}`);
    }
  }
  if (list.length === 0) throw new ConfigError('backend.prefer', 'must name at least one backend');
  return { candidates: list, forced: list.length === 1 };
}

/**
 * The backends among `names` that load on this machine, in order (each is activated once to find
 * out; the backend active before the call is active again after it). Numeric test suites run on
 * each of them.
 */
export async function availableBackends(names: readonly BackendName[] = ['cpu', 'wasm', 'dkl-native'], importer: ModuleImporter = defaultImporter): Promise<BackendName[]> {
  const previous = tf.getBackend();
  const available: BackendName[] = [];
  for (const name of names) {
    try {
      await loadCandidate(name, importer);
      available.push(name);
    } catch {
      // not installed or not built here: the caller reports what ran
    }
  }
  if (previous && tf.getBackend() !== previous) await activate(previous);
  return available;
}

/** One line describing the choice, e.g. for logs and run directories. */
export function describeBackend(info: BackendInfo): string {
  const skipped = info.skipped.length ? `; skipped ${info.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}` : '';
  return `[dkl] backend ${info.name}${info.forced ? ' (forced)' : ''}: ${info.version}, ${info.threads} thread${info.threads === 1 ? '' : 's'}, SIMD ${info.simd ? 'on' : 'off'}${skipped}`;
}

/**
 * Selects, activates and reports the tensor backend. Safe to call more than once.
 * @throws BackendError when a forced backend is missing or no candidate loads.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const { candidates, forced } = resolveBackendCandidates(options);
  const importer = options.importer ?? defaultImporter;
  const skipped: Array<{ name: BackendName; reason: string }> = [];
  for (const name of candidates) {
    try {
      const loaded = await loadCandidate(name, importer);
      const info: BackendInfo = { name, package: PACKAGES[name], forced, skipped, ...loaded };
      const log = options.log === undefined ? (line: string) => process.stderr.write(`${line}\n`) : options.log;
      if (log) log(describeBackend(info));
      return info;
    } catch (error) {
      const reason = isMissingModule(error, PACKAGES[name]) ? 'not installed' : `failed to load: ${(error as Error)?.message ?? String(error)}`;
      if (forced) {
        throw new BackendError(`backend '${name}' was requested${options.env?.['DKL_BACKEND'] ?? process.env['DKL_BACKEND'] ? ' by DKL_BACKEND' : ''} but is unavailable: ${reason} (package ${PACKAGES[name]})`, { cause: error });
      }
      skipped.push({ name, reason });
    }
  }
  throw new BackendError(`no tensor backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
