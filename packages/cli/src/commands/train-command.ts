import { existsSync } from 'node:fs';
import { ConfigError } from '@dkl/core';
import { readConfigFile, resolveConfig } from '../config/load-config.js';
import type { RunConfig } from '../config/run-config.js';
import { parseMdistillerConfig } from '../mdistiller/index.js';
import { getPreset } from '../presets/index.js';
import { createApplication } from '../run/application.js';
import { executeRun, type ExecutedRun } from '../run/execute.js';
import { validateAgainstRegistries } from '../run/validate.js';
import { readFileSync } from 'node:fs';
import { formatTable } from './results-table.js';

export interface TrainCommandOptions {
  readonly set?: readonly string[];
  readonly dryRun?: boolean;
  readonly mdistiller?: boolean;
  readonly dataDir?: string;
  readonly runsDir: string;
  readonly cacheDir: string;
  readonly progress?: boolean;
  readonly out?: (text: string) => void;
  readonly log?: (line: string) => void;
}

/** A config file (YAML/JSON), an mdistiller YAML with `mdistiller`, or a preset name. */
export function loadConfigSpec(spec: string, options: Pick<TrainCommandOptions, 'set' | 'mdistiller' | 'dataDir'>): RunConfig {
  let input: Record<string, unknown>;
  if (options.mdistiller) {
    if (!existsSync(spec)) throw new ConfigError('', `mdistiller config '${spec}' does not exist`);
    input = parseMdistillerConfig(readFileSync(spec, 'utf8'), spec, options.dataDir ? { dataDir: options.dataDir } : {}) as Record<string, unknown>;
  } else if (existsSync(spec)) {
    input = readConfigFile(spec);
  } else if (!/\.(ya?ml|json)$/i.test(spec)) {
    input = getPreset(spec) as Record<string, unknown>;
  } else {
    throw new ConfigError('', `config file '${spec}' does not exist`);
  }
  return resolveConfig(input, options.set ?? []);
}

/** `dkl train`: validate, then (unless --dry-run) train and summarise. */
export async function trainCommand(spec: string, options: TrainCommandOptions): Promise<ExecutedRun | undefined> {
  const out = options.out ?? ((text: string) => process.stdout.write(`${text}\n`));
  const config = loadConfigSpec(spec, options);
  if (options.dryRun) {
    const app = await createApplication(config.packages);
    out(JSON.stringify(validateAgainstRegistries(app, config), null, 2));
    return undefined;
  }
  const run = await executeRun(config, options);
  out(summarizeRun(run));
  return run;
}

/** The final table of a run: status, epochs, eval metrics, time. */
export function summarizeRun(run: ExecutedRun): string {
  const last = run.result.history.at(-1);
  const rows = Object.entries(last?.eval ?? {}).map(([split, m]) => [split, 100 * (m['top1'] ?? NaN), 100 * (m['top5'] ?? NaN), m['loss'] ?? NaN] as const);
  const table = rows.length ? formatTable(['split', 'top-1 %', 'top-5 %', 'loss'], rows) : '(no evaluation)';
  const error = run.result.error ? [`error: ${run.result.error.message}`] : [];
  return [`run ${run.result.status}: ${run.result.epoch} epochs in ${(run.summary.wallTimeMs / 1000).toFixed(1)} s`, ...error, table, `report: ${run.runDir}/report.html`].join('\n');
}
