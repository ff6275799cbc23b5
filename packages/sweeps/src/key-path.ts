import { ConfigError } from '@dkl/core';

/** `trainer.losses[0].options.temperature` or `trainer.losses.0.options.temperature` -> segments. */
export function splitKeyPath(keyPath: string): string[] {
  return keyPath.replace(/\[(\d+)\]/g, '.$1').split('.');
}

/**
 * Returns a copy of `config` with `value` at `keyPath`. Every segment but the last must exist
 * (objects by key, arrays by index) in the resolved config, so a misspelt key path is an error
 * naming it; the last segment may be new (an optional key), and the run-config schema then
 * decides whether it is known.
 */
export function setKeyPath(config: Record<string, unknown>, keyPath: string, value: unknown): Record<string, unknown> {
  const segments = splitKeyPath(keyPath);
  const root = structuredClone(config);
  let node: unknown = root;
  for (const [i, segment] of segments.slice(0, -1).entries()) {
    const next = child(node, segment);
    if (next === undefined || typeof next !== 'object' || next === null) {
      const at = segments.slice(0, i + 1).join('.');
      throw new ConfigError(keyPath, next === undefined ? `unknown key path: the config has no '${at}'` : `cannot set a key inside '${at}', which is ${JSON.stringify(next)}`);
    }
    node = next;
  }
  const last = segments.at(-1)!;
  if (Array.isArray(node)) {
    const index = Number(last);
    if (!Number.isInteger(index) || index < 0 || index > node.length) throw new ConfigError(keyPath, `'${last}' is not an index of a list of ${node.length}`);
    node[index] = value;
  } else (node as Record<string, unknown>)[last] = value;
  return root;
}

function child(node: unknown, segment: string): unknown {
  if (Array.isArray(node)) return /^\d+$/.test(segment) ? node[Number(segment)] : undefined;
  return (node as Record<string, unknown>)[segment];
}

/** Whether `keyPath` names an existing value in `config`. */
export function hasKeyPath(config: unknown, keyPath: string): boolean {
  let node: unknown = config;
  for (const segment of splitKeyPath(keyPath)) {
    if (node === null || typeof node !== 'object') return false;
    node = child(node, segment);
    if (node === undefined) return false;
  }
  return true;
}
