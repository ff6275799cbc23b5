/**
 * Error hierarchy with stable codes. Every message names the offending key, argument, shape or
 * file so a user can fix the input without reading our source.
 */

/** Stable machine-readable error codes; never renamed once published. */
export type DklErrorCode =
  | 'DKL_CONFIG'
  | 'DKL_SHAPE'
  | 'DKL_DATA'
  | 'DKL_CHECKPOINT'
  | 'DKL_NUMERIC'
  | 'DKL_ARGUMENT'
  | 'DKL_BACKEND'
  | 'DKL_PLUGIN';

/** Base class of every error the framework throws on purpose. */
export class DklError extends Error {
  constructor(
    readonly code: DklErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A config value is missing, unknown or invalid; `keyPath` is the dotted path of the key. */
export class ConfigError extends DklError {
  constructor(
    readonly keyPath: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('DKL_CONFIG', keyPath ? `config key '${keyPath}': ${message}` : `config: ${message}`, options);
  }
}

/** A function argument has the wrong value (not shape); `argument` names it. */
export class ArgumentError extends DklError {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super('DKL_ARGUMENT', `argument '${argument}': ${message}`);
  }
}

/** A tensor has the wrong rank, shape or dtype. */
export class ShapeError extends DklError {
  constructor(
    readonly argument: string,
    readonly expected: string,
    readonly actual: readonly number[] | string,
  ) {
    const got = typeof actual === 'string' ? actual : `[${actual.join(', ')}]`;
    super('DKL_SHAPE', `argument '${argument}' must be ${expected}, got ${got}`);
  }
}

/** A data file or directory is missing, truncated or corrupt; `file` names it. */
export class DataError extends DklError {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('DKL_DATA', `${file}: ${message}`, options);
  }
}

/** A checkpoint cannot be written, read or applied; `file` names it. */
export class CheckpointError extends DklError {
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('DKL_CHECKPOINT', `checkpoint ${file}: ${message}`, options);
  }
}

/** NaN / Inf where finite numbers are required. */
export class NumericError extends DklError {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super('DKL_NUMERIC', `argument '${argument}': ${message}`);
  }
}

/** A tensor backend cannot be loaded or was forced but is missing. */
export class BackendError extends DklError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DKL_BACKEND', message, options);
  }
}

/** A training plugin failed; `plugin` names it. */
export class PluginError extends DklError {
  constructor(
    readonly plugin: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('DKL_PLUGIN', `plugin '${plugin}': ${message}`, options);
  }
}

/** True when `error` is a framework error with the given code. */
export function isDklError(error: unknown, code?: DklErrorCode): error is DklError {
  return error instanceof DklError && (code === undefined || error.code === code);
}
