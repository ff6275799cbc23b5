/** Extracts a .tar.gz (npm `tar`: paths outside the target and absolute paths are refused). */
import { x as untar } from 'tar';
import { DataError } from '@dkl/core';

/** Extracts every entry of the gzip-compressed tar `archive` into the existing directory `into`. */
export async function extractTarGz(archive: string, into: string, label = archive): Promise<void> {
  try {
    await untar({ file: archive, cwd: into, strict: true, gzip: true });
  } catch (error) {
    throw new DataError(label, `is not a readable tar.gz archive: ${(error as Error).message}`, { cause: error });
  }
}
