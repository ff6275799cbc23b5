/** A sweep's trials, resolved and validated up front: every run config, its id and its run directory. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, parseConfig } from '@dkl/core';
import { createApplication, getPreset, readConfigFile, resolveConfig, runConfigSchema, validateAgainstRegistries, type RunConfig } from '@dkl/cli';
import { inContext } from './config-errors.js';
import { hasKeyPath, setKeyPath, splitKeyPath } from './key-path.js';
import { cellLabel, expandCells } from './sample.js';
import { readSweepFile, type SweepFile } from './sweep-file.js';

/** One trial: a cell of the parameters at one training seed. */
export interface PlannedTrial {
  /** Stable hash of the resolved config and thread count: the same trial always has the same id. */
  readonly id: string;
  /** Position in the plan (cells in order, seeds inside). */
  readonly index: number;
  readonly cell: number;
  readonly cellLabel: string;
  /** Key path -> displayed value (grid label or value). */
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly config: RunConfig;
}

export interface SweepPlan {
  readonly name: string;
  /** Absolute path of the sweep file. */
  readonly file: string;
  /** The sweep directory: run directories (`trials/<id>`), teacher cache, plan and report. */
  readonly dir: string;
  readonly threads: number;
  /** The swept key paths, in file order. */
  readonly parameterKeys: readonly string[];
  readonly trials: readonly PlannedTrial[];
}

/** Keys sorted at every level, so the hash does not depend on key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  return value;
}

export function trialId(config: RunConfig, threads: number): string {
  return createHash('sha256').update(JSON.stringify(canonical({ config, threads }))).digest('hex').slice(0, 16);
}

/** The sweep directory: `--dir`, else `runs/<name>` next to the sweep file. */
export function sweepDirectory(file: string, name: string, dir?: string): string {
  return path.resolve(dir ?? path.join(path.dirname(path.resolve(file)), 'runs', name));
}

/** The run directory of a trial. */
export const trialDir = (sweepDir: string, id: string): string => path.join(sweepDir, 'trials', id);

function loadBase(sweep: SweepFile, file: string): RunConfig {
  const base = path.resolve(path.dirname(file), sweep.base);
  try {
    if (existsSync(base)) return resolveConfig(readConfigFile(base));
    if (/\.(ya?ml|json)$/i.test(sweep.base)) throw new ConfigError('base', `run config file '${base}' does not exist`);
    return resolveConfig(getPreset(sweep.base) as Record<string, unknown>);
  } catch (error) {
    if (error instanceof ConfigError) throw inContext(error, `base '${sweep.base}' of ${file}`);
    throw error;
  }
}

/**
 * A rejection of a key the sweep added (absent from the base) as an unknown key path; `check`
 * parses the run config or checks it against the registries (an optimizer's or trainer's own keys).
 */
function withUnknownKeyPaths<T>(check: () => T, keys: readonly string[], base: RunConfig): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const key of keys) {
      const segments = splitKeyPath(key);
      const leaf = segments.at(-1)!;
      const parent = segments.slice(0, -1).join('.');
      const added = !hasKeyPath(base, key);
      if (added && error.keyPath === parent && error.message.includes(leaf)) throw new ConfigError(key, `unknown key path: '${parent || '(top level)'}' has no key '${leaf}'`, { cause: error });
    }
    throw error;
  }
}

/**
 * Resolves every trial of the sweep file and validates it like `dkl train --dry-run` (run-config
 * schema, then the registries: losses, plugins, models, datasets). A bad key path or value is a
 * `ConfigError` naming the trial and the key path, before anything runs.
 */
export async function planSweep(file: string, options: { dir?: string } = {}): Promise<SweepPlan> {
  const absolute = path.resolve(file);
  const sweep = readSweepFile(absolute);
  const base = loadBase(sweep, absolute);
  const cells = expandCells(sweep);
  const apps = new Map<string, Awaited<ReturnType<typeof createApplication>>>();
  const trials: PlannedTrial[] = [];
  for (const [cellIndex, cell] of cells.entries()) {
    for (const seed of sweep.seeds) {
      const where = `trial ${trials.length} (${cellLabel(cell.display)}, seed ${seed}) of ${absolute}`;
      let config: RunConfig;
      try {
        let input: Record<string, unknown> = { ...structuredClone(base), name: sweep.name, seed };
        for (const [key, value] of Object.entries(cell.values)) input = setKeyPath(input, key, value);
        const keys = Object.keys(cell.values);
        config = withUnknownKeyPaths(() => parseConfig(runConfigSchema, input), keys, base);
        const packagesKey = JSON.stringify(config.packages);
        const app = apps.get(packagesKey) ?? (await createApplication(config.packages, path.dirname(absolute)));
        apps.set(packagesKey, app);
        withUnknownKeyPaths(() => validateAgainstRegistries(app, config), keys, base);
      } catch (error) {
        throw error instanceof ConfigError ? inContext(error, where) : error;
      }
      trials.push({ id: trialId(config, sweep.threads), index: trials.length, cell: cellIndex, cellLabel: cellLabel(cell.display), parameters: cell.display, seed, config });
    }
  }
  const ids = new Map<string, PlannedTrial>();
  for (const t of trials) {
    const twin = ids.get(t.id);
    if (twin) throw new ConfigError('parameters', `trials ${twin.index} (${twin.cellLabel}, seed ${twin.seed}) and ${t.index} (${t.cellLabel}, seed ${t.seed}) resolve to the same config: a parameter has no effect or repeats a value`);
    ids.set(t.id, t);
  }
  return { name: sweep.name, file: absolute, dir: sweepDirectory(absolute, sweep.name, options.dir), threads: sweep.threads, parameterKeys: Object.keys(sweep.parameters), trials };
}
