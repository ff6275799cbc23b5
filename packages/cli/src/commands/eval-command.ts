import { existsSync, promises as fs, statSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, initBackend } from '@dkl/core';
import { attackConfigSchema, evaluateModel } from '@dkl/trainers';
import { resolveConfig } from '../config/load-config.js';
import { createApplication } from '../run/application.js';
import { loadSplit, makeLoader } from '../run/build-data.js';
import { buildModel } from '../run/build-models.js';
import { readJson, runFiles } from '../run/run-directory.js';
import type { TransformSpec } from '@dkl/data';
import { inPixelSpace, robustEvaluation } from './robust-eval.js';
import { AttackDefinitions, resolveAttack, type AttackDefinition, type Norm } from '@dkl/attacks';
import { fileId, robustResultRecord, robustEvalFiles } from './robust-eval-result.js';
import { loadRunWeights, type RunWeights } from '../run/run-weights.js';
import { formatTable } from './results-table.js';

export interface EvalCommandOptions {
  readonly split?: string;
  /** A registered attack (`pgd`, `autoattack`, `apgd-ce`, `square`, or a package's). */
  readonly attack?: string;
  /** The attack's own options (`steps`, `restarts`, `apgdSteps`...), checked by its schema. */
  readonly attackOptions?: Record<string, unknown>;
  readonly epsilon?: number;
  /** Threat model of the attack (default `linf`). */
  readonly norm?: Norm;
  /** Attack the first N examples of the split (default: the whole split). */
  readonly limit?: number;
  /** Examples per attack call (default 128); part of the evaluation's identity (it fixes the seeds). */
  readonly batchSize?: number;
  readonly checkpoint?: 'best' | 'last';
  /** Which weights to evaluate; `averaged` = the weight-averaging plugin's (overrides `checkpoint`). */
  readonly weights?: RunWeights;
  /** Print the metrics as one JSON object instead of a table. */
  readonly json?: boolean;
  readonly out?: (text: string) => void;
  readonly log?: (line: string) => void;
}

/** `dkl eval <run-dir>`: clean top-1/top-5 and, with `--attack`, robust accuracy. */
export async function evalCommand(target: string, options: EvalCommandOptions): Promise<Record<string, number>> {
  const out = options.out ?? ((t: string) => process.stdout.write(`${t}\n`));
  if (!existsSync(target) || !statSync(target).isDirectory()) throw new ConfigError('', `'${target}' is not a run directory (expected the directory dkl train created)`);
  await initBackend({ log: options.log ?? ((l) => process.stderr.write(`${l}\n`)) });
  const config = resolveConfig(readJson<Record<string, unknown>>(runFiles(target).config));
  const app = await createApplication(config.packages);
  const attacks = app.container.get<AttackDefinition<any>[]>(AttackDefinitions);
  // A bad attack name or option fails now, before the (slow) clean evaluation.
  if (options.attack) resolveAttack({ ...options.attackOptions, name: options.attack, eps: options.epsilon ?? 0, norm: options.norm ?? 'linf' }, attacks);
  const splitName = options.split ?? Object.keys(config.data.eval)[0];
  const split = splitName ? config.data.eval[splitName] : undefined;
  if (!splitName || !split) throw new ConfigError('data.eval', `has no split '${options.split ?? ''}' (has: ${Object.keys(config.data.eval).join(', ') || 'none'})`);
  const dataset = await loadSplit(app, config, split, `data.eval.${splitName}`);
  const loader = makeLoader(app, dataset, config, split, `data.eval.${splitName}`, false);
  const model = await buildModel(app, { ...config.models.student, weights: undefined }, { numClasses: dataset.numClasses, inputShape: loader.outputShape, seed: 'eval' }, 'models.student');
  try {
    const weights = options.weights ?? options.checkpoint ?? 'best';
    const { checkpoint } = await loadRunWeights(target, weights, model);
    const clean = await evaluateModel(model, loader);
    const metrics: Record<string, number> = { top1: clean.top1, top5: clean.top5, loss: clean.loss };
    // An attack measures top-1 only: its top-5 cell reads '-' (not applicable), never NaN.
    const rows: Array<[string, number, number | '-']> = [['clean', 100 * clean.top1, 100 * clean.top5]];
    if (options.attack) {
      const pixels = inPixelSpace(split.transforms as unknown as TransformSpec[], model, `data.eval.${splitName}`);
      const attackLoader = makeLoader(app, dataset, config, { ...split, transforms: pixels.transforms as unknown as typeof split.transforms }, `data.eval.${splitName}`, false);
      // Default radius: the one the run was adversarially trained at, if it was.
      const trained = attackConfigSchema.safeParse(config.trainer['attack']);
      const epsilon = options.epsilon ?? (trained.success ? trained.data.epsilon : 8 / 255);
      const norm = options.norm ?? 'linf';
      const batchSize = options.batchSize ?? 128;
      const checkpointId = await fileId(checkpoint);
      const files = robustEvalFiles(target, { attack: options.attack, attackOptions: options.attackOptions ?? {}, norm, epsilon, weights, split: splitName, limit: options.limit, batchSize, checkpointId });
      await fs.mkdir(path.dirname(files.state), { recursive: true });
      const started = Date.now();
      const robust = await robustEvaluation(pixels.forward, attackLoader, {
        attack: options.attack,
        ...(options.attackOptions ? { attackOptions: options.attackOptions } : {}),
        attacks,
        epsilon,
        norm,
        ...(options.limit !== undefined ? { limit: options.limit } : {}),
        seed: config.seed,
        batchSize,
        statePath: files.state,
        ...(options.log ? { log: options.log } : { log: (l: string) => process.stderr.write(`${l}\n`) }),
      }).finally(() => attackLoader.close());
      const record = robustResultRecord({
        run: path.basename(target), dataset: config.data.dataset.name, split: splitName, checkpoint: path.basename(checkpoint), checkpointId, weights,
        attack: options.attack, attackOptions: options.attackOptions ?? {}, norm, epsilon, seed: config.seed, batchSize,
        robust, wallTimeS: (Date.now() - started) / 1000, stateFile: files.state,
      });
      await writeJsonAtomic(files.result, record);
      metrics[`robust_${options.attack}`] = robust.robustAccuracy;
      metrics[`clean_attacked_subset`] = robust.cleanAccuracy;
      metrics['attacked_examples'] = robust.count;
      for (const [name, acc] of Object.entries(robust.perAttack)) if (name !== options.attack) metrics[`robust_after_${name}`] = acc;
      rows.push([`${options.attack} (n=${robust.count})`, 100 * robust.robustAccuracy, '-']);
      if (!options.json) out(`robust-evaluation result: ${files.result}`);
    }
    if (options.json) out(JSON.stringify({ run: path.basename(target), checkpoint: path.basename(checkpoint), weights, split: splitName, ...metrics }));
    else {
      out(`${path.basename(target)} (${path.basename(checkpoint)}${weights === 'averaged' ? ', averaged weights' : ''}), split ${splitName}`);
      out(formatTable(['evaluation', 'top-1 %', 'top-5 %'], rows));
    }
    return metrics;
  } finally {
    model.dispose();
    await loader.close();
  }
}

/** Writes JSON through a temporary file and a rename, so a reader never sees half a file. */
async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
  await fs.rename(tmp, file);
}
