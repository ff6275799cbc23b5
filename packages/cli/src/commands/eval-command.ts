import { existsSync, statSync } from 'node:fs';
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
import { AttackDefinitions, resolveAttack, type AttackDefinition } from '@dkl/attacks';
import { loadRunWeights, type RunWeights } from '../run/run-weights.js';
import { formatTable } from './results-table.js';

export interface EvalCommandOptions {
  readonly split?: string;
  /** A registered attack (`pgd`, `autoattack`, `apgd-ce`, `square`, or a package's). */
  readonly attack?: string;
  /** The attack's own options (`steps`, `restarts`, `apgdSteps`...), checked by its schema. */
  readonly attackOptions?: Record<string, unknown>;
  readonly epsilon?: number;
  /** Evaluate at most this many examples under attack (attacks are slow). */
  readonly limit?: number;
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
  if (options.attack) resolveAttack({ ...options.attackOptions, name: options.attack, eps: options.epsilon ?? 0 }, attacks);
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
      const robust = await robustEvaluation(pixels.forward, attackLoader, { attack: options.attack, ...(options.attackOptions ? { attackOptions: options.attackOptions } : {}), attacks, epsilon: options.epsilon ?? (trained.success ? trained.data.epsilon : 8 / 255), limit: options.limit ?? 512, seed: config.seed }).finally(() => attackLoader.close());
      metrics[`robust_${options.attack}`] = robust.robustAccuracy;
      metrics[`clean_attacked_subset`] = robust.cleanAccuracy;
      metrics['attacked_examples'] = robust.count;
      rows.push([`${options.attack} (n=${robust.count})`, 100 * robust.robustAccuracy, '-']);
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
