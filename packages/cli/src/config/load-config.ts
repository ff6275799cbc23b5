import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, parseConfig } from '@dkl/core';
import { parse as parseYaml } from 'yaml';
import { applyOverride } from '../overrides.js';
import { runConfigSchema, type RunConfig } from './run-config.js';

/** Reads a YAML or JSON config file into a plain object. */
export function readConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new ConfigError('', `config file '${file}' does not exist`);
  let value: unknown;
  try {
    value = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('', `${file} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('', `${file} must hold a mapping at the top level`);
  return value as Record<string, unknown>;
}

/** Applies `--set key=value` overrides, then validates against the run-config schema. */
export function resolveConfig(input: Record<string, unknown>, overrides: readonly string[] = []): RunConfig {
  const overridden = overrides.reduce((config, assignment) => applyOverride(config, assignment), input);
  return parseConfig(runConfigSchema, overridden);
}
