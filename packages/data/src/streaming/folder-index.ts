/**
 * The file index of an image folder (`root/<class>/<image>`): classes sorted by name, files
 * sorted within each class. Listing a million-file tree takes a while, so the index is cached
 * (a JSON file under the data cache, written atomically) and reused while the root's and every
 * class directory's mtime are unchanged (adding or removing a file changes its directory's mtime).
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '@dkl/core';
import { isStreamingImage, STREAMING_IMAGE_EXTENSIONS } from './decode-file.js';

/** Files (relative to the root) with labels, and the class names. */
export interface FolderIndex {
  readonly classNames: string[];
  /** `class/file` paths relative to the root. */
  readonly files: string[];
  readonly labels: number[];
}

interface CachedIndex extends FolderIndex {
  readonly version: 1;
  readonly root: string;
  readonly mtimes: Record<string, number>;
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const expected = `root/<class>/<image>${STREAMING_IMAGE_EXTENSIONS.join('|')}`;

async function listFolder(root: string): Promise<{ index: FolderIndex; mtimes: Record<string, number> }> {
  let top;
  try {
    if (!(await stat(root)).isDirectory()) throw new DataError(root, `is not a directory; expected ${expected}`);
    top = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(root, `directory not found or unreadable (${(error as NodeJS.ErrnoException).code ?? String(error)}); expected ${expected}`, { cause: error });
  }
  const visible = top.filter((d) => !d.name.startsWith('.')).sort(byName);
  const stray = visible.find((d) => !d.isDirectory());
  if (stray) throw new DataError(join(root, stray.name), 'is a file directly under the image-folder root; expected only class directories (root/<class>/<image>)');
  if (visible.length === 0) throw new DataError(root, `has no class directories; expected ${expected}`);
  const mtimes: Record<string, number> = { '.': (await stat(root)).mtimeMs };
  const index: FolderIndex = { classNames: visible.map((d) => d.name), files: [], labels: [] };
  for (let label = 0; label < index.classNames.length; label++) {
    const name = index.classNames[label]!;
    const dir = join(root, name);
    mtimes[name] = (await stat(dir)).mtimeMs;
    const entries = (await readdir(dir, { withFileTypes: true })).filter((d) => !d.name.startsWith('.')).sort(byName);
    if (entries.length === 0) throw new DataError(dir, `class directory '${name}' has no images`);
    for (const f of entries) {
      if (!f.isFile()) throw new DataError(join(dir, f.name), 'is not a regular file; class directories must contain only images');
      if (!isStreamingImage(f.name)) throw new DataError(join(dir, f.name), `has an unsupported extension; class directories must contain only ${STREAMING_IMAGE_EXTENSIONS.join(' ')} images`);
      index.files.push(`${name}/${f.name}`);
      index.labels.push(label);
    }
  }
  return { index, mtimes };
}

async function unchanged(root: string, cached: CachedIndex): Promise<boolean> {
  for (const [name, mtime] of Object.entries(cached.mtimes)) {
    try {
      if ((await stat(join(root, name))).mtimeMs !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * The index of `root` (absolute), from `cacheDir` when still valid, else listed and cached there.
 * Without `cacheDir` the folder is always listed.
 */
export async function folderIndex(root: string, cacheDir?: string): Promise<FolderIndex & { fromCache: boolean }> {
  const cacheFile = cacheDir ? join(cacheDir, `${createHash('sha256').update(root).digest('hex').slice(0, 32)}.json`) : undefined;
  if (cacheFile) {
    try {
      const cached = JSON.parse(await readFile(cacheFile, 'utf8')) as CachedIndex;
      if (cached.version === 1 && cached.root === root && (await unchanged(root, cached))) return { classNames: cached.classNames, files: cached.files, labels: cached.labels, fromCache: true };
    } catch {
      // missing or unreadable cache: list the folder
    }
  }
  const { index, mtimes } = await listFolder(root);
  if (cacheFile) {
    const body: CachedIndex = { version: 1, root, mtimes, ...index };
    const temp = `${cacheFile}.${process.pid}.tmp`;
    try {
      await mkdir(cacheDir!, { recursive: true });
      await writeFile(temp, JSON.stringify(body));
      await rename(temp, cacheFile);
    } catch {
      // A read-only cache only costs the next listing.
    }
  }
  return { ...index, fromCache: false };
}
