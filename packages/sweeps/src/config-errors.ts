import { ConfigError } from '@dkl/core';

/** The error's message without its `config key '…': ` prefix. */
export function bareMessage(error: ConfigError): string {
  const prefix = error.keyPath ? `config key '${error.keyPath}': ` : 'config: ';
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/** The same error at `keyPath` (default: its own), with where it happened appended. */
export function inContext(error: ConfigError, context: string, keyPath = error.keyPath): ConfigError {
  return new ConfigError(keyPath, `${bareMessage(error)} (${context})`, { cause: error });
}
