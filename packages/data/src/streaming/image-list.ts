/**
 * `path label` list files (ImageNet-LT / Places-LT format): one image per line, the path relative
 * to a root directory, the label a non-negative integer. Errors name the list file and line.
 */
import { readFile } from 'node:fs/promises';
import { DataError } from '@dkl/core';

/** Parsed lines of a list file. */
export interface ImageList {
  readonly files: string[];
  readonly labels: number[];
}

/** Parses `text` (the contents of `listFile`); blank lines are ignored. */
export function parseImageList(text: string, listFile: string): ImageList {
  const files: string[] = [];
  const labels: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    const m = /^(.+?)\s+(\S+)$/.exec(line);
    if (!m) throw new DataError(listFile, `line ${i + 1}: expected '<path> <label>', got '${line}'`);
    const label = Number(m[2]);
    if (!Number.isInteger(label) || label < 0 || !/^\d+$/.test(m[2]!)) throw new DataError(listFile, `line ${i + 1}: label '${m[2]}' is not a non-negative integer`);
    files.push(m[1]!);
    labels.push(label);
  });
  if (files.length === 0) throw new DataError(listFile, 'lists no images');
  return { files, labels };
}

/** Reads and parses a list file. */
export async function readImageList(listFile: string): Promise<ImageList> {
  let text: string;
  try {
    text = await readFile(listFile, 'utf8');
  } catch (error) {
    throw new DataError(listFile, `list file not found or unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  return parseImageList(text, listFile);
}
