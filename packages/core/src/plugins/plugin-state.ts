/**
 * The one mechanism that saves and restores plugin state in run snapshots (the engine uses it):
 * JSON by `stateKey`, tensors named `plugin/<stateKey>/<name>` beside the model's in the
 * snapshot file. State keys are checked: two plugins with one key, a snapshot state no plugin
 * claims, and a stateful plugin without state are errors naming the key.
 */
import * as tf from '@tensorflow/tfjs';
import { CheckpointError, PluginError } from '../errors.js';
import type { JsonValue, TrainingPlugin } from './training-plugin.js';

/** Every plugin's state in snapshot form. The caller owns the tensors. */
export interface SavedPluginStates {
  readonly json: Record<string, JsonValue>;
  readonly tensors: Record<string, tf.Tensor>;
}

const prefixOf = (key: string) => `plugin/${key}/`;

/**
 * Stateful plugins by `stateKey`. @throws PluginError when two plugins share a key (give one an
 * explicit id, e.g. two `weight-averaging` instances with different decays).
 */
export function pluginsByStateKey(plugins: readonly TrainingPlugin[]): Map<string, TrainingPlugin> {
  const byKey = new Map<string, TrainingPlugin>();
  for (const plugin of plugins) {
    if (!plugin.stateKey) continue;
    // '/' separates a key from its tensor names in the snapshot: a key containing it could claim another's tensors.
    if (plugin.stateKey.includes('/')) throw new PluginError(plugin.name, `stateKey '${plugin.stateKey}' must not contain '/' (use ':' to add an instance id)`);
    const other = byKey.get(plugin.stateKey);
    if (other) throw new PluginError(plugin.name, `stateKey '${plugin.stateKey}' is also used by '${other.name}': two instances need distinct ids`);
    byKey.set(plugin.stateKey, plugin);
  }
  return byKey;
}

/** Collects every stateful plugin's state (tensors cloned). */
export async function savePluginStates(plugins: readonly TrainingPlugin[]): Promise<SavedPluginStates> {
  const json: Record<string, JsonValue> = {};
  const tensors: Record<string, tf.Tensor> = {};
  try {
    for (const [key, plugin] of pluginsByStateKey(plugins)) {
      if (!plugin.saveState) continue;
      const state = await plugin.saveState();
      json[key] = state.json;
      for (const [name, t] of Object.entries(state.tensors ?? {})) tensors[`${prefixOf(key)}${name}`] = t.clone();
    }
  } catch (error) {
    tf.dispose(Object.values(tensors));
    throw error;
  }
  return { json, tensors };
}

/**
 * Hands each stateful plugin its saved state (tensors are borrowed: a plugin clones what it keeps).
 * @throws CheckpointError naming `file` and the key when a state has no plugin to take it, or a
 * stateful plugin has no state (unless `allowMissing`).
 */
export async function loadPluginStates(
  plugins: readonly TrainingPlugin[],
  saved: SavedPluginStates,
  options: { readonly file?: string; readonly allowMissing?: boolean } = {},
): Promise<void> {
  const file = options.file ?? '(memory)';
  const byKey = pluginsByStateKey(plugins);
  for (const key of Object.keys(saved.json)) {
    if (!byKey.get(key)?.loadState) throw new CheckpointError(file, `holds state for plugin key '${key}', but no plugin of this run takes it (was a plugin removed or renamed?)`);
  }
  for (const [key, plugin] of byKey) {
    if (!plugin.loadState) continue;
    if (!(key in saved.json)) {
      if (options.allowMissing) continue;
      throw new CheckpointError(file, `has no state for plugin '${plugin.name}' (stateKey '${key}')`);
    }
    const prefix = prefixOf(key);
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, t] of Object.entries(saved.tensors)) if (name.startsWith(prefix)) tensors[name.slice(prefix.length)] = t;
    await plugin.loadState({ json: saved.json[key]!, tensors });
  }
}
