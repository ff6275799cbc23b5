import { ConfigError } from '../errors.js';

/** Anything contributed under a unique name (losses, models, datasets, plugins). */
export interface Named {
  readonly name: string;
}

/**
 * Looks up multi-bound contributions by name. Built from `container.getAll(token)` results, so
 * new entries arrive by binding, never by editing a central table.
 */
export class NamedRegistry<T extends Named> {
  private readonly byName = new Map<string, T>();

  constructor(
    /** What the entries are, for messages ("loss", "model", "dataset"). */
    readonly kind: string,
    entries: readonly T[],
  ) {
    for (const entry of entries) {
      if (this.byName.has(entry.name)) {
        throw new ConfigError('', `two ${kind} contributions are bound under the name '${entry.name}'`);
      }
      this.byName.set(entry.name, entry);
    }
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The entry called `name`; `keyPath` names the config key that asked for it. */
  get(name: string, keyPath = ''): T {
    const entry = this.byName.get(name);
    if (!entry) {
      const known = this.names();
      throw new ConfigError(
        keyPath,
        `unknown ${this.kind} '${name}'; registered: ${known.length ? known.join(', ') : '(none)'}`,
      );
    }
    return entry;
  }
}
