import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParamStore } from '../src/nn/param.js';
import { findArchitecture } from '../src/model/architectures.js';
import { FIXTURES } from './helpers.js';

/**
 * PyTorch state-dict keys and shapes of every architecture (tools/fixtures-models/state_dict_keys.py).
 * Our declared parameters must equal them one-to-one, in order: checkpoint import relies on it.
 */
const REFERENCE = JSON.parse(readFileSync(path.join(FIXTURES, 'state-dict-keys.json'), 'utf8')) as Record<string, string[]>;

/** Declares an architecture's parameters shape-only (no tensors) and lists `name:shape`. */
function ourKeys(name: string, extra?: Record<string, unknown>): string[] {
  const entry = findArchitecture(name)!;
  const store = new ParamStore();
  entry.build(extra)(store, { numClasses: 100, inputShape: entry.defaultInputShape });
  return store.params.map((p) => `${p.spec.name}:${p.spec.torchShape.join('x')}`);
}

describe('parameter names and shapes equal the PyTorch state dict', () => {
  it.each(Object.keys(REFERENCE))('%s', (key) => {
    const [name, flag] = key.split('+');
    const ours = ourKeys(name!, flag ? { [flag]: true } : undefined);
    // Compared as sets: import matches by name, and declaration order only affects the init draw order.
    expect([...ours].sort()).toEqual([...REFERENCE[key]!].sort());
  });
});
