/**
 * `dkl train --mdistiller cfg.yaml`: reads a yacs-style YAML config in the format of mdistiller
 * and the DKL authors' repository and maps it onto a dkl run config.
 */
import { ConfigError } from '@dkl/core';
import { basename } from 'node:path';
import { parseDocument } from 'yaml';
import type { RunConfigInput } from '../config/run-config.js';
import { mdistillerToRunConfig, resolveMdistillerConfig, type MdistillerOptions } from './to-run-config.js';

/**
 * Parses the YAML `text` of an mdistiller config (named `file` in errors), applies cfg.py's
 * defaults (e.g. `IKL_KD.GI` False and `IKL_KD.T2` 100 when unset) and maps it onto a
 * {@link RunConfigInput}. Unknown keys, wrong types and unsupported distillers raise a
 * ConfigError whose key path names the key (`IKL_KD.T3`) and whose message lists the allowed keys.
 */
export function parseMdistillerConfig(text: string, file: string, options: MdistillerOptions = {}): RunConfigInput {
  const where = `${file}: `;
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new ConfigError('', `${where}invalid YAML: ${first.message}`, { cause: first });
  }
  const value: unknown = doc.toJS();
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    throw new ConfigError('', `${where}an mdistiller config must be a mapping of sections (EXPERIMENT, DISTILLER, SOLVER, ...)`);
  }
  const cfg = resolveMdistillerConfig(value ?? {}, where);
  return mdistillerToRunConfig(cfg, { ...options, source: basename(file) });
}
