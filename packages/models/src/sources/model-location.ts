/**
 * Where a bring-your-own model lives: a local file (or directory) or an http(s) URL. Local paths
 * are resolved against the working directory, `file://` URLs are turned into paths, and a
 * missing file is a ConfigError naming the key, the path and where it was resolved from.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@dkl/core';

export type ModelLocation = { readonly kind: 'file'; readonly file: string } | { readonly kind: 'url'; readonly url: string };

/**
 * Resolves `location` (file, directory holding `defaultFile`, `file://` or http(s) URL).
 * @param keyPath config key that named it (`models.teacher.path`)
 */
export function resolveModelLocation(location: string, defaultFile: string, keyPath: string): ModelLocation {
  if (/^https?:\/\//i.test(location)) return { kind: 'url', url: location };
  const local = location.startsWith('file://') ? fileURLToPath(location) : location;
  const absolute = path.resolve(local);
  if (!existsSync(absolute)) throw new ConfigError(keyPath, `model file '${location}' does not exist (resolved to ${absolute})`);
  const file = statSync(absolute).isDirectory() ? path.join(absolute, defaultFile) : absolute;
  if (!existsSync(file)) throw new ConfigError(keyPath, `directory '${location}' has no ${defaultFile} (looked for ${file})`);
  return { kind: 'file', file };
}

/** How messages name the model: its file or URL. */
export function describeLocation(location: ModelLocation): string {
  return location.kind === 'file' ? location.file : location.url;
}
