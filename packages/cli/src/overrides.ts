import { ConfigError } from '@dkl/core';

/**
 * Applies one `--set key.path=value` override to a config object (returns a new object). Values
 * are parsed as JSON when they parse (numbers, booleans, arrays), else kept as strings.
 */
export function applyOverride(config: Record<string, unknown>, assignment: string): Record<string, unknown> {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new ConfigError(assignment, "--set expects key.path=value (e.g. --set trainer.epochs=2)");
  const path = assignment.slice(0, eq).split('.');
  if (path.some((p) => p === '')) throw new ConfigError(assignment.slice(0, eq), 'empty segment in key path');
  const raw = assignment.slice(eq + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    value = raw;
  }
  const root: Record<string, unknown> = structuredClone(config);
  let node = root;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
      throw new ConfigError(path.join('.'), `cannot set a key inside '${key}', which is not an object`);
    }
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
  return root;
}
