import { isDklError } from '@dkl/core';

/** Exit codes of the `dkl` command. */
export const EXIT = { ok: 0, runFailed: 1, configError: 2 } as const;

/** Maps an error to the exit code and a one-line message for stderr. */
export function describeFailure(error: unknown): { code: number; message: string } {
  if (isDklError(error, 'DKL_CONFIG') || isDklError(error, 'DKL_DATA') || isDklError(error, 'DKL_ARGUMENT')) {
    return { code: EXIT.configError, message: `dkl: ${(error as Error).message}` };
  }
  const e = error as Error;
  return { code: EXIT.runFailed, message: `dkl: ${e?.message ?? String(error)}` };
}
