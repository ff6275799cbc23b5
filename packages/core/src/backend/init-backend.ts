/**
 * Picks the fastest tensor backend present at run time and says which it picked.
 *
 * The candidates are the {@link backendRegistry}'s contributions, highest priority first:
 * `tensorflow-gpu` (@tensorflow/tfjs-node-gpu, CUDA), `webgpu` (on a hardware adapter),
 * `tensorflow` (@tensorflow/tfjs-node), `dkl-native` (@dkl/backend-native, oneDNN), `webgl`
 * (browsers), `wasm` (XNNPACK, with our convolution-gradient kernels), `cpu` (pure JS). Each probes
 * lazily; the first available wins. `DKL_BACKEND` forces one, and a forced backend that is
 * unavailable is a `BackendError` saying what is missing.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendError, ConfigError } from '../errors.js';
import { activateTfjsBackend } from './activate.js';
import {
  backendRegistry,
  type BackendContribution,
  type BackendContext,
  type ComputePrecision,
  type GpuAdapterDescription,
  type ModuleImporter,
} from './backend-contribution.js';
import { BUILTIN_BACKENDS } from './contributions/builtin-backends.js';
import { webgpuBackend } from './contributions/webgpu-backend.js';

/** Core's own backends, highest priority first. Other packages may register more. */
export const BACKEND_NAMES = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'dkl-native', 'webgl', 'wasm', 'cpu'] as const;
/** A registered backend's name; core's are {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number] | (string & {});

export type { ComputePrecision, ModuleImporter } from './backend-contribution.js';

let builtinsRegistered = false;
function registry(): typeof backendRegistry {
  if (!builtinsRegistered) {
    builtinsRegistered = true;
    for (const contribution of [...BUILTIN_BACKENDS, webgpuBackend]) backendRegistry.register(contribution);
  }
  return backendRegistry;
}

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
  /** For GPU backends: vendor, architecture, description, and whether it is a software adapter. */
  readonly adapter?: GpuAdapterDescription;
  /** True when `DKL_BACKEND` or `prefer` named exactly one backend. */
  readonly forced: boolean;
  /** Why each earlier candidate was skipped. */
  readonly skipped: ReadonlyArray<{ readonly name: BackendName; readonly reason: string }>;
  /** Kernels the framework added (conv gradients, borrowed cpu kernels). */
  readonly addedKernels: readonly string[];
  /** The arithmetic precision in effect (bf16 only on dkl-native, where the CPU has AVX512_BF16). */
  readonly precision: ComputePrecision;
}

export interface InitBackendOptions {
  /** Candidates in order (default: all registered, fastest first). One name means "this one or fail". */
  readonly prefer?: BackendName | readonly BackendName[];
  /** Environment to read `DKL_BACKEND` from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where the one-line summary goes (default: stderr, or console.info in a browser); `false` silences it. */
  readonly log?: ((line: string) => void) | false;
  readonly importer?: ModuleImporter;
  /**
   * Precision for a backend with a precision switch (dkl-native: `bf16` convolutions and matmuls);
   * others run fp32 and say so in one line when `bf16` was asked for. Default: the backend's own
   * (DKL_NATIVE_PRECISION, else fp32).
   */
  readonly precision?: ComputePrecision;
}

const defaultImporter: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier);

function processEnv(): Readonly<Record<string, string | undefined>> {
  return typeof process === 'undefined' ? {} : process.env;
}

/** Resolves `DKL_BACKEND` / `prefer` to an ordered candidate list. */
export function resolveBackendCandidates(options: Pick<InitBackendOptions, 'prefer' | 'env'> = {}): {
  candidates: BackendName[];
  forced: boolean;
} {
  const known = registry();
  const env = options.env ?? processEnv();
  const forcedRaw = env['DKL_BACKEND']?.trim().toLowerCase();
  if (forcedRaw) {
    const contribution = known.get(forcedRaw);
    if (!contribution) throw new ConfigError('DKL_BACKEND', `unknown backend '${forcedRaw}'; allowed: ${known.spellings().join(', ')}`);
    return { candidates: [contribution.name], forced: true };
  }
  if (options.prefer === undefined) return { candidates: known.list().map((c) => c.name), forced: false };
  const list = typeof options.prefer === 'string' ? [options.prefer] : [...options.prefer];
  for (const name of list) {
    if (!known.get(name)) throw new ConfigError('backend.prefer', `unknown backend '${name}'; allowed: ${known.list().map((c) => c.name).join(', ')}`);
  }
  if (list.length === 0) throw new ConfigError('backend.prefer', 'must name at least one backend');
  return { candidates: list.map((name) => known.get(name)!.name), forced: list.length === 1 };
}

/** Probes and activates one contribution; the reason it cannot run when it cannot. */
async function tryBackend(contribution: BackendContribution, context: BackendContext): Promise<{ info?: Omit<BackendInfo, 'forced' | 'skipped'>; reason?: string; cause?: unknown; switchable?: boolean }> {
  const probe = await contribution.probe(context);
  if (!probe.available) return { reason: probe.reason, cause: probe.cause };
  try {
    const activated = await contribution.activate(context);
    return { info: { name: contribution.name, package: contribution.package, ...activated, precision: activated.precision ?? 'fp32' }, switchable: activated.precision !== undefined };
  } catch (error) {
    return { reason: `failed to load: ${(error as Error)?.message ?? String(error)}`, cause: error };
  }
}

/**
 * The backends among `names` that run on this machine, in order (each is activated once to find
 * out, as if named by `DKL_BACKEND`, so a software WebGPU adapter counts; the backend active before
 * the call is active again after it). Numeric test suites run on each of them.
 */
export async function availableBackends(names: readonly BackendName[] = ['cpu', 'wasm', 'dkl-native'], importer: ModuleImporter = defaultImporter): Promise<BackendName[]> {
  const previous = tf.getBackend();
  const available: BackendName[] = [];
  for (const name of names) {
    const contribution = registry().get(name);
    if (contribution && (await tryBackend(contribution, { importer, forced: true })).info) available.push(name);
  }
  if (previous && tf.getBackend() !== previous) await activateTfjsBackend(previous);
  return available;
}

/** One line describing the choice, e.g. for logs and run directories. */
export function describeBackend(info: BackendInfo): string {
  const skipped = info.skipped.length ? `; skipped ${info.skipped.map((s) => `${s.name} (${s.reason})`).join(', ')}` : '';
  const a = info.adapter;
  const where = a
    ? `adapter ${a.vendor} ${a.architecture}${a.description ? ` '${a.description}'` : ''}${a.software ? ' (software adapter: correct, not fast)' : ''}`
    : `${info.threads} thread${info.threads === 1 ? '' : 's'}, SIMD ${info.simd ? 'on' : 'off'}`;
  const precision = info.precision === 'bf16' ? ', precision bf16' : '';
  return `[dkl] backend ${info.name}${info.forced ? ' (forced)' : ''}: ${info.version}, ${where}${precision}${skipped}`;
}

function defaultLog(line: string): void {
  if (typeof process !== 'undefined' && process.stderr) process.stderr.write(`${line}\n`);
  else console.info(line);
}

/**
 * Selects, activates and reports the tensor backend. Safe to call more than once.
 * @throws BackendError when a forced backend is unavailable (naming what is missing) or no candidate loads.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const { candidates, forced } = resolveBackendCandidates(options);
  const context: BackendContext = { importer: options.importer ?? defaultImporter, forced, ...(options.precision ? { precision: options.precision } : {}) };
  const skipped: Array<{ name: BackendName; reason: string }> = [];
  for (const name of candidates) {
    const contribution = registry().get(name)!;
    const { info: loaded, reason, cause, switchable } = await tryBackend(contribution, context);
    if (loaded) {
      const info: BackendInfo = { ...loaded, forced, skipped };
      const log = options.log === undefined ? defaultLog : options.log;
      if (log) {
        log(describeBackend(info));
        if (options.precision === 'bf16' && !switchable) log(`[dkl] precision bf16 applies to dkl-native only: backend ${info.name} runs fp32`);
      }
      return info;
    }
    if (forced) {
      const byEnv = (options.env ?? processEnv())['DKL_BACKEND'] ? ' by DKL_BACKEND' : '';
      throw new BackendError(`backend '${name}' was requested${byEnv} but is unavailable: ${reason} (package ${contribution.package})`, { cause });
    }
    skipped.push({ name, reason: reason! });
  }
  throw new BackendError(`no tensor backend could be loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}
