/** Opens `image-folder` and `image-list` datasets as {@link StreamingImageDataset}s. */
import { join, resolve } from 'node:path';
import { ArgumentError } from '@dkl/core';
import { defaultDataDir } from '../download/data-dir.js';
import { folderIndex } from './folder-index.js';
import { readImageList } from './image-list.js';
import { StreamingImageDataset, type BadImagePolicy } from './streaming-dataset.js';

/** Options shared by the streaming datasets. */
export interface StreamingOptions {
  /** 3 (RGB, default) or 1 (grey). */
  readonly channels?: 1 | 3;
  readonly onBadImage?: BadImagePolicy;
  readonly name?: string;
}

/** Options of {@link streamImageFolder}. */
export interface StreamImageFolderOptions extends StreamingOptions {
  /** Where the file index is cached (default `<DKL_DATA_DIR or user cache>/index`); `false` lists every time. */
  readonly indexCacheDir?: string | false;
}

/** `root/<class>/<image>` as a streaming dataset; classes sorted by name. */
export async function streamImageFolder(root: string, options: StreamImageFolderOptions = {}): Promise<StreamingImageDataset & { readonly indexFromCache: boolean }> {
  const dir = resolve(root);
  const cacheDir = options.indexCacheDir === false ? undefined : (options.indexCacheDir ?? join(defaultDataDir(), 'index'));
  const index = await folderIndex(dir, cacheDir);
  const dataset = new StreamingImageDataset({
    name: options.name ?? 'image-folder',
    files: index.files.map((f) => join(dir, f)),
    labels: Int32Array.from(index.labels),
    numClasses: index.classNames.length,
    classNames: index.classNames,
    channels: options.channels ?? 3,
    ...(options.onBadImage ? { onBadImage: options.onBadImage } : {}),
  });
  return Object.assign(dataset, { indexFromCache: index.fromCache });
}

/** Options of {@link streamImageList}. */
export interface StreamImageListOptions extends StreamingOptions {
  /** Classes (default: largest label + 1). */
  readonly numClasses?: number;
}

/** The images of a `path label` list file, paths relative to `root`. */
export async function streamImageList(root: string, listFile: string, options: StreamImageListOptions = {}): Promise<StreamingImageDataset> {
  const list = await readImageList(listFile);
  const maxLabel = list.labels.reduce((a, b) => Math.max(a, b), 0);
  const numClasses = options.numClasses ?? maxLabel + 1;
  if (maxLabel >= numClasses) throw new ArgumentError('numClasses', `is ${numClasses} but ${listFile} has label ${maxLabel}`);
  const dir = resolve(root);
  return new StreamingImageDataset({
    name: options.name ?? 'image-list',
    files: list.files.map((f) => join(dir, f)),
    labels: Int32Array.from(list.labels),
    numClasses,
    channels: options.channels ?? 3,
    ...(options.onBadImage ? { onBadImage: options.onBadImage } : {}),
  });
}
