import { ConfigError } from '@dkl/core';
import type { z } from 'zod';
import type { ImageTransformDefinition } from './definition.js';

/**
 * Every transform kind an application knows: each ImageTransformDefinition bound in its container
 * (this package's, `random-crop` and `normalize` included, and those of plugin packages).
 * Validates config steps by kind, names the offending key, and hands the definitions to loaders.
 */
export class TransformRegistry {
  private readonly schemas = new Map<string, z.ZodType>();

  constructor(private readonly contributed: readonly ImageTransformDefinition<any>[]) {
    for (const definition of contributed) {
      if (this.schemas.has(definition.kind)) throw new ConfigError('', `two transform contributions are bound under the kind '${definition.kind}'`);
      this.schemas.set(definition.kind, definition.schema);
    }
  }

  kinds(): string[] {
    return [...this.schemas.keys()].sort();
  }

  /** The zod schema of every kind (for the composed JSON Schema). */
  allSchemas(): z.ZodType[] {
    return [...this.schemas.values()];
  }

  /** The bound definitions (what a Loader's `transformDefinitions` takes). */
  definitions(): readonly ImageTransformDefinition<any>[] {
    return this.contributed;
  }

  /** Checks one step as written in a config and returns it with its defaults; `keyPath` names it (`data.train.transforms[2]`). */
  validate(step: unknown, keyPath: string): Record<string, unknown> {
    const kind = (step as { kind?: unknown } | null)?.kind;
    const schema = typeof kind === 'string' ? this.schemas.get(kind) : undefined;
    if (!schema) throw new ConfigError(`${keyPath}.kind`, `unknown transform '${String(kind)}'; registered: ${this.kinds().join(', ')}`);
    const parsed = schema.safeParse(step);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError([keyPath, ...issue.path.map(String)].join('.'), issue.message);
    }
    return parsed.data as Record<string, unknown>;
  }
}
