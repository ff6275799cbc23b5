import { ConfigError } from '@dkl/core';
import type { RunConfigInput } from '../config/run-config.js';
import { atPresets } from './at-presets.js';
import { featurePresets } from './feature-presets.js';
import { kdPresets } from './kd-presets.js';
import { sslPresets } from './ssl-presets.js';
import type { PresetEntry } from './preset.js';

let table: Map<string, PresetEntry> | undefined;

function presets(): Map<string, PresetEntry> {
  table ??= new Map([...kdPresets(), ...featurePresets(), ...atPresets(), ...sslPresets()].map((p) => [p.name, p]));
  return table;
}

/** Every preset's name, what it reproduces and the config file or script it was written from. */
export function listPresets(): Array<{ name: string; description: string; source: string }> {
  return [...presets().values()].map(({ name, description, source }) => ({ name, description, source }));
}

/**
 * A fresh run config for preset `name` (e.g. `cifar100/ikl-kd/res32x4-res8x4`,
 * `cifar100/at/ikl-at`, `imagenet/ikl-kd/r34-r18`). Throws a ConfigError listing the known
 * names (the closest ones first) for an unknown name.
 */
export function getPreset(name: string): RunConfigInput {
  const entry = presets().get(name);
  if (!entry) {
    const names = [...presets().keys()];
    const prefix = name.split('/').slice(0, 2).join('/');
    const close = names.filter((n) => n.startsWith(prefix) || n.endsWith(name.split('/').pop() ?? '\0'));
    const shown = close.length > 0 ? `similar: ${close.join(', ')}; ` : '';
    throw new ConfigError('preset', `unknown preset '${name}'; ${shown}known: ${names.join(', ')}`);
  }
  return entry.build();
}
