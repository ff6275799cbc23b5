import type { z } from 'zod';
import { ConfigError } from '../errors.js';

/** Dotted key path for a zod issue path, e.g. `loss.options.temperature` or `stages[2]`. */
export function formatKeyPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/**
 * Validates `value` against a zod schema; on failure throws a ConfigError whose key path and
 * message name the first bad key and what was allowed.
 */
export function parseConfig<S extends z.ZodType>(schema: S, value: unknown, keyPrefix = ''): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0]!;
  const keyPath = formatKeyPath(keyPrefix, first.path);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more: ${issues.slice(1, 4).map((i) => `'${formatKeyPath(keyPrefix, i.path)}' ${i.message}`).join('; ')})` : '';
  throw new ConfigError(keyPath, `${first.message}${more}`, { cause: result.error });
}
