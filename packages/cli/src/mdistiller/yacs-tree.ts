/**
 * A tiny yacs-like typed config tree: defaults with per-leaf types, merged with a YAML document
 * the way yacs' `merge_from_file` does (unknown keys are refused, types are checked), but with
 * errors that name the key path and list the allowed keys.
 */
import { ConfigError } from '@dkl/core';

type LeafKind = 'number' | 'int' | 'string' | 'bool' | 'int-list';

/** One typed value with its default. */
export interface Leaf<T> {
  readonly leaf: true;
  readonly kind: LeafKind;
  readonly default: T;
  /** Inclusive lower bound (numbers, and every element of an int list). */
  readonly min?: number;
  /** True when the value must be strictly greater than `min`. */
  readonly exclusive?: boolean;
  /** Allowed values (strings). */
  readonly oneOf?: readonly string[];
}

/** A section: named leaves and sub-sections. */
export interface Tree {
  readonly [key: string]: Leaf<unknown> | Tree;
}

/** The plain value type a tree resolves to. */
export type Resolved<T> = T extends Leaf<infer V> ? V : { -readonly [K in keyof T]: Resolved<T[K]> };

type Bounds = { min?: number; exclusive?: boolean };
export const num = (d: number, b: Bounds = {}): Leaf<number> => ({ leaf: true, kind: 'number', default: d, ...b });
export const int = (d: number, b: Bounds = {}): Leaf<number> => ({ leaf: true, kind: 'int', default: d, ...b });
export const str = (d: string, oneOf?: readonly string[]): Leaf<string> => ({ leaf: true, kind: 'string', default: d, oneOf });
export const bool = (d: boolean): Leaf<boolean> => ({ leaf: true, kind: 'bool', default: d });
export const intList = (d: readonly number[], b: Bounds = {}): Leaf<number[]> => ({ leaf: true, kind: 'int-list', default: [...d], ...b });

const isLeaf = (node: Leaf<unknown> | Tree): node is Leaf<unknown> => (node as Leaf<unknown>).leaf === true;
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v) ?? String(v));

/** Builds the fully defaulted value of a tree. */
export function defaultsOf<T extends Tree>(tree: T): Resolved<T> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(tree)) {
    out[key] = isLeaf(node) ? (Array.isArray(node.default) ? [...(node.default as unknown[])] : node.default) : defaultsOf(node);
  }
  return out as Resolved<T>;
}

function checkBound(path: string, value: number, leaf: Leaf<unknown>, where: string): void {
  if (leaf.min === undefined) return;
  const ok = leaf.exclusive ? value > leaf.min : value >= leaf.min;
  if (!ok) throw new ConfigError(path, `${where}must be ${leaf.exclusive ? '>' : '>='} ${leaf.min}, got ${value}`);
}

function checkLeaf(path: string, leaf: Leaf<unknown>, value: unknown, where: string): unknown {
  switch (leaf.kind) {
    case 'number':
    case 'int': {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ConfigError(path, `${where}must be a finite number (default ${show(leaf.default)}), got ${show(value)}`);
      }
      if (leaf.kind === 'int' && !Number.isInteger(value)) throw new ConfigError(path, `${where}must be an integer, got ${value}`);
      checkBound(path, value, leaf, where);
      return value;
    }
    case 'string': {
      if (typeof value !== 'string') throw new ConfigError(path, `${where}must be a string (default ${show(leaf.default)}), got ${show(value)}`);
      if (leaf.oneOf && !leaf.oneOf.includes(value)) {
        throw new ConfigError(path, `${where}must be one of ${leaf.oneOf.map(show).join(', ')}, got ${show(value)}`);
      }
      return value;
    }
    case 'bool':
      if (typeof value !== 'boolean') throw new ConfigError(path, `${where}must be True or False, got ${show(value)}`);
      return value;
    case 'int-list': {
      if (!Array.isArray(value)) throw new ConfigError(path, `${where}must be a list of integers like ${show(leaf.default)}, got ${show(value)}`);
      value.forEach((item, i) => {
        if (typeof item !== 'number' || !Number.isInteger(item)) throw new ConfigError(`${path}[${i}]`, `${where}must be an integer, got ${show(item)}`);
        checkBound(`${path}[${i}]`, item, leaf, where);
      });
      return [...(value as number[])];
    }
  }
}

/**
 * Merges `input` over the tree's defaults. `section` is the key path of `tree` (empty at the top);
 * `where` prefixes every message (e.g. the file name). Unknown keys raise a ConfigError whose key
 * path names the key and whose message lists the allowed keys of that section.
 */
export function mergeTree<T extends Tree>(tree: T, input: unknown, section = '', where = '', extraHint?: (key: string) => string | undefined): Resolved<T> {
  const out = defaultsOf(tree) as Record<string, unknown>;
  if (input === null || input === undefined) return out as Resolved<T>;
  if (!isPlainObject(input)) throw new ConfigError(section, `${where}must be a mapping of keys, got ${show(input)}`);
  for (const [key, value] of Object.entries(input)) {
    const path = section ? `${section}.${key}` : key;
    const node = tree[key];
    if (node === undefined) {
      const hint = extraHint?.(key);
      const allowed = Object.keys(tree).join(', ');
      throw new ConfigError(path, `${where}unknown key${hint ? ` (${hint})` : ''}; allowed keys of ${section || 'the top level'}: ${allowed}`);
    }
    out[key] = isLeaf(node) ? checkLeaf(path, node, value, where) : mergeTree(node, value, path, where);
  }
  return out as Resolved<T>;
}
