/** `dkl data download <name> [--dir DIR] [--url URL]`: fetch a dataset into the data cache. */
import { consoleProgress, downloadDataset, type DownloadResult } from '@dkl/data';

/** Options of {@link dataDownloadCommand}. */
export interface DataDownloadOptions {
  /** Cache root (default DKL_DATA_DIR, else the user's cache dir). */
  readonly dir?: string;
  /** Mirror base URL (default DKL_DATA_MIRROR, else the official URL). */
  readonly url?: string;
  /** Draw the progress line (default true). */
  readonly progress?: boolean;
}

/** Downloads `name` (cifar10, cifar100, mnist, fashion-mnist), verified and extracted; prints where it is. */
export async function dataDownloadCommand(name: string, options: DataDownloadOptions = {}): Promise<DownloadResult> {
  const result = await downloadDataset(name, {
    ...(options.dir ? { dir: options.dir } : {}),
    ...(options.url ? { url: options.url } : {}),
    ...(options.progress === false ? {} : { onProgress: consoleProgress() }),
    onWait: (pid) => process.stderr.write(`dkl: another process (pid ${pid}) is downloading ${name}; waiting for it\n`),
  });
  process.stdout.write(`${result.downloaded ? 'downloaded' : 'already cached'}: ${name} in ${result.dir}\n`);
  return result;
}
