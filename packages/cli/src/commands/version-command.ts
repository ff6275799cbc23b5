/** `dkl --version`: the versions of the dkl packages and of TensorFlow.js, and the backend a run would use. */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { describeBackend, initBackend } from '@dkl/core';

const DKL_PACKAGES = ['cli', 'core', 'losses', 'data', 'models', 'trainers', 'callbacks', 'attacks', 'backend-native'] as const;

/** `name version` for every @dkl package this CLI can load ("not installed" for an absent optional one). */
export function dklPackageVersions(): Array<{ name: string; version: string }> {
  const require = createRequire(import.meta.url);
  return DKL_PACKAGES.map((short) => {
    const name = `@dkl/${short}`;
    try {
      return { name, version: (require(`${name}/package.json`) as { version: string }).version };
    } catch {
      return { name, version: 'not installed' };
    }
  });
}

/** Prints package versions, Node.js and tfjs versions, then the backend `initBackend` picks (honouring DKL_BACKEND). */
export async function versionCommand(write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  for (const { name, version } of dklPackageVersions()) write(`${name.padEnd(22)} ${version}`);
  write(`${'@tensorflow/tfjs'.padEnd(22)} ${tf.version.tfjs}`);
  write(`${'node'.padEnd(22)} ${process.versions.node}`);
  const info = await initBackend({ log: false });
  write(describeBackend(info).replace(/^\[dkl\] /, ''));
}
