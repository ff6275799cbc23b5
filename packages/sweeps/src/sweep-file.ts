/**
 * The sweep file: a base run config and the parameters to vary over it (YAML, zod-validated).
 *
 * ```yaml
 * name: wd-sweep
 * base: run.yaml              # relative to this file, or a preset name
 * parameters:
 *   optimizer.weightDecay: { grid: [5e-4, 1e-3] }
 *   schedule.lr: { random: { logUniform: [0.01, 0.1] } }
 * trials: 4                   # random draws per grid cell (with random parameters)
 * seeds: [0, 1, 2]
 * threads: 1                  # per trial, part of what the numbers depend on
 * ```
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError, parseConfig } from '@dkl/core';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { inContext } from './config-errors.js';

const keyPathSchema = z
  .string()
  .regex(/^[A-Za-z_$][\w$-]*(\.[\w$-]+|\[\d+\])*$/, 'a config key path: dotted keys, array items as .0 or [0] (e.g. trainer.losses.0.options.temperature)');

const randomSchema = z.union([
  z.object({ uniform: z.tuple([z.number(), z.number()]) }).strict(),
  z.object({ logUniform: z.tuple([z.number().positive(), z.number().positive()]) }).strict(),
  z.object({ choice: z.array(z.unknown()).min(1) }).strict(),
]);

export const parameterSpecSchema = z.union([
  z
    .object({
      /** The values to try, every one in every cell. */
      grid: z.array(z.unknown()).min(1),
      /** Display names of the grid values (same length), e.g. loss names for lists of loss terms. */
      labels: z.array(z.string().min(1)).optional(),
    })
    .strict(),
  z.object({ /** Drawn `trials` times by the seeded sampler. */ random: randomSchema }).strict(),
]);

export const sweepFileSchema = z
  .object({
    /** Names the sweep, its BullMQ queue (`dkl-sweep-<name>`) and its directory. */
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, ".", "_" and "-", starting with a letter or digit'),
    description: z.string().optional(),
    /** A run config file (relative to the sweep file) or a preset name (`dkl presets`). */
    base: z.string().min(1),
    /** Config key path -> values: a `grid` list or a `random` distribution. */
    parameters: z.record(keyPathSchema, parameterSpecSchema).default({}),
    /** Random draws per grid cell when some parameter is `random` (default 1). */
    trials: z.number().int().positive().optional(),
    /** Seed of the parameter sampler (not of training). */
    samplerSeed: z.number().int().min(0).default(0),
    /** Training seeds: every cell runs once per seed (sets the run config's `seed`). */
    seeds: z.array(z.number().int().min(0)).min(1).default([0]),
    /** Native-backend threads per trial (OMP_NUM_THREADS of its process): results do not depend on which machine ran it. */
    threads: z.number().int().positive().default(1),
  })
  .strict()
  .superRefine((sweep, ctx) => {
    for (const [key, spec] of Object.entries(sweep.parameters)) {
      if ('grid' in spec && spec.labels && spec.labels.length !== spec.grid.length) {
        ctx.addIssue({ code: 'custom', path: ['parameters', key, 'labels'], message: `has ${spec.labels.length} labels for ${spec.grid.length} grid values` });
      }
      if ('random' in spec) {
        const r = spec.random;
        const range = 'uniform' in r ? r.uniform : 'logUniform' in r ? r.logUniform : undefined;
        if (range && !(range[0] < range[1])) ctx.addIssue({ code: 'custom', path: ['parameters', key, 'random'], message: `needs low < high, got [${range.join(', ')}]` });
      }
    }
    const hasRandom = Object.values(sweep.parameters).some((s) => 'random' in s);
    if (sweep.trials !== undefined && !hasRandom) ctx.addIssue({ code: 'custom', path: ['trials'], message: 'counts random draws, but no parameter is random' });
  });

export type SweepFile = z.output<typeof sweepFileSchema>;
export type SweepFileInput = z.input<typeof sweepFileSchema>;
export type ParameterSpec = z.output<typeof parameterSpecSchema>;

/** The sweep file's JSON Schema (in `dkl schema` under `$defs.sweep`, or `dkl schema sweep`). */
export function sweepFileJsonSchema(): Record<string, unknown> {
  return { title: 'dkl sweep file', ...(z.toJSONSchema(sweepFileSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>) };
}

/** Validates a parsed sweep file; errors are `ConfigError`s naming the key path. */
export function parseSweepFile(value: unknown, file = 'sweep file'): SweepFile {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('', `${file} must hold a mapping at the top level`);
  try {
    return parseConfig(sweepFileSchema, value);
  } catch (error) {
    if (error instanceof ConfigError) throw inContext(error, `in ${file}`);
    throw error;
  }
}

/** Reads and validates a sweep file (YAML or JSON). */
export function readSweepFile(file: string): SweepFile {
  if (!existsSync(file)) throw new ConfigError('', `sweep file '${file}' does not exist`);
  let value: unknown;
  try {
    value = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('', `${file} is not valid YAML: ${(error as Error).message}`, { cause: error });
  }
  return parseSweepFile(value, file);
}
