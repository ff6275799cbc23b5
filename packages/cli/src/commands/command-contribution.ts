/**
 * Commands from other packages. A package that adds `dkl` commands (e.g. `@dkl/sweeps`: `dkl
 * sweep`, `dkl worker`) exports, from its `./commands` entry, an inversify `ContainerModule`
 * named `commandsModule` that binds `CommandContribution`s. The `dkl` bin loads the packages
 * named in `COMMAND_PACKAGES` and `DKL_COMMAND_PACKAGES` that are installed, by name at run time,
 * so the CLI never depends on them (they depend on the CLI's run API).
 */
import type { Command } from 'commander';
import { ConfigError, createContainer } from '@dkl/core';
import { ContainerModule } from 'inversify';

export const CommandContribution = Symbol('CommandContribution');

/** What every command shares: the program's global options. */
export interface CommandContext {
  readonly common: () => { readonly runsDir: string; readonly cacheDir: string; readonly progress: boolean };
}

/** Commands (and config JSON Schemas for `dkl schema`) contributed by a package. */
export interface CommandContribution {
  /** The contributing package, for messages. */
  readonly source: string;
  /** Adds the package's commands to the program. */
  register(program: Command, context: CommandContext): void;
  /** JSON Schemas of the files the commands read, by name (`dkl schema <name>`). */
  schemas?(): Readonly<Record<string, unknown>>;
}

/** Packages whose commands `dkl` offers when they are installed. */
export const COMMAND_PACKAGES: readonly string[] = ['@dkl/sweeps'];

const notInstalled = (error: unknown, specifier: string): boolean => {
  const e = error as { code?: string; message?: string };
  return (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') && (e.message ?? '').includes(specifier.split('/').slice(0, 2).join('/'));
};

/**
 * Loads the command contributions of the installed `packages` (default: `COMMAND_PACKAGES` plus
 * the comma-separated `DKL_COMMAND_PACKAGES`). A package that is not installed is skipped; one
 * that is installed but has no `commandsModule` is an error naming it.
 */
export async function loadCommandContributions(
  packages: readonly string[] = [...COMMAND_PACKAGES, ...(process.env['DKL_COMMAND_PACKAGES'] ?? '').split(',').map((s) => s.trim()).filter(Boolean)],
  importer: (specifier: string) => Promise<Record<string, unknown>> = (s) => import(s) as Promise<Record<string, unknown>>,
): Promise<CommandContribution[]> {
  const modules: ContainerModule[] = [];
  for (const name of [...new Set(packages)]) {
    const specifier = `${name}/commands`;
    let mod: Record<string, unknown>;
    try {
      mod = await importer(specifier);
    } catch (error) {
      if (notInstalled(error, name)) continue;
      throw error;
    }
    const candidate = mod['commandsModule'];
    if (!(candidate instanceof ContainerModule)) throw new ConfigError('DKL_COMMAND_PACKAGES', `package '${name}' has no inversify ContainerModule export 'commandsModule' in '${specifier}'`);
    modules.push(candidate);
  }
  if (modules.length === 0) return [];
  const container = createContainer(modules);
  return container.isBound(CommandContribution) ? container.getAll<CommandContribution>(CommandContribution) : [];
}
