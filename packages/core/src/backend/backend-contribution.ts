/**
 * Backends are contributions: each declares its name, where it sits in the automatic order, how to
 * find out whether it can run here (and why not), and how to activate it. `initBackend` walks the
 * {@link backendRegistry} instead of a closed list, so a package adds a backend by calling
 * {@link registerBackendContribution} (as tfjs backends call `tf.registerBackend`).
 *
 * A plain registry, not a DI multi-binding: the backend is chosen before any container exists
 * (the CLI, tests and the browser example call `initBackend` first), and tfjs' own backend table
 * is process-global too.
 */
import { ArgumentError } from '../errors.js';

/** Dynamic import, replaceable in tests to simulate installed or missing packages. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

/**
 * Arithmetic precision: `fp32` everywhere, or `bf16` for a backend's convolutions and matmuls
 * (dkl-native; fp32 accumulation, everything else fp32).
 */
export type ComputePrecision = 'fp32' | 'bf16';

/** What a probe or an activation may use. */
export interface BackendContext {
  readonly importer: ModuleImporter;
  /** True when the user named this backend (DKL_BACKEND, one `prefer`, `availableBackends`). */
  readonly forced: boolean;
  /** The precision asked for, for backends with a precision switch; absent: leave theirs as it is. */
  readonly precision?: ComputePrecision;
}

/** A probe's verdict; `reason` says what is missing, for logs and `BackendError`s. */
export type BackendProbe = { readonly available: true } | { readonly available: false; readonly reason: string; readonly cause?: unknown };

/** The GPU a GPU backend runs on. */
export interface GpuAdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly description: string;
  /** A CPU implementation (SwiftShader, llvmpipe, WARP): correct, not fast. */
  readonly software: boolean;
}

/** What an activated backend reports. */
export interface ActivatedBackend {
  /** The name tfjs knows the backend by (`tf.getBackend()`). */
  readonly tfjsBackend: string;
  /** Package and version, e.g. `@tensorflow/tfjs-backend-wasm 4.22.0`. */
  readonly version: string;
  readonly threads: number;
  readonly simd: boolean;
  /** Kernels the framework added (conv gradients, borrowed cpu kernels). */
  readonly addedKernels: readonly string[];
  /** For GPU backends: the adapter. */
  readonly adapter?: GpuAdapterDescription;
  /** For backends with a precision switch: the precision in effect (absent: fp32 only). */
  readonly precision?: ComputePrecision;
}

/** One backend `initBackend` can choose. */
export interface BackendContribution {
  /** The dkl name (`DKL_BACKEND=<name>`, `prefer`). */
  readonly name: string;
  /** Other accepted spellings (`cuda` for `tensorflow-gpu`). */
  readonly aliases?: readonly string[];
  /** The npm package that provides it. */
  readonly package: string;
  /**
   * Place in the automatic order, highest first. Built-ins: tensorflow-gpu 100, webgpu 90 (on a
   * hardware adapter), tensorflow 80, dkl-native 70, webgl 65, wasm 60, cpu 0.
   */
  readonly priority: number;
  /** Whether `activate` can succeed here; when not, what is missing. Never throws. */
  probe(context: BackendContext): Promise<BackendProbe>;
  /** Makes it tfjs' active backend (called after a successful probe). */
  activate(context: BackendContext): Promise<ActivatedBackend>;
}

/** The backends `initBackend` knows, by name and alias. */
export class BackendRegistry {
  private readonly contributions = new Map<string, BackendContribution>();
  private readonly aliases = new Map<string, string>();

  /** Adds a backend; a name or alias already taken is an error. */
  register(contribution: BackendContribution): void {
    for (const key of [contribution.name, ...(contribution.aliases ?? [])]) {
      if (this.contributions.has(key) || this.aliases.has(key)) {
        throw new ArgumentError('contribution.name', `backend name or alias '${key}' is already registered`);
      }
    }
    this.contributions.set(contribution.name, contribution);
    for (const alias of contribution.aliases ?? []) this.aliases.set(alias, contribution.name);
  }

  /** The contribution for a name or alias. */
  get(nameOrAlias: string): BackendContribution | undefined {
    return this.contributions.get(nameOrAlias) ?? this.contributions.get(this.aliases.get(nameOrAlias) ?? '');
  }

  /** Every contribution, highest priority first. */
  list(): BackendContribution[] {
    return [...this.contributions.values()].sort((a, b) => b.priority - a.priority);
  }

  /** Names then aliases, for "allowed:" lists in errors. */
  spellings(): string[] {
    return [...this.list().map((c) => c.name), ...this.aliases.keys()];
  }
}

/** The process-wide registry `initBackend` reads; core's built-ins are added on first use. */
export const backendRegistry = new BackendRegistry();

/** Adds a backend to the automatic order and to what `DKL_BACKEND` accepts. */
export function registerBackendContribution(contribution: BackendContribution): void {
  backendRegistry.register(contribution);
}
