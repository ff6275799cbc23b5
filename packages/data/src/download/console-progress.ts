/**
 * A progress reporter for terminals: redraws one line (`\r`) on a TTY, otherwise prints a line
 * every 10 % (logs stay short). Used by `dkl data download` and by `download: true` configs.
 */
import type { DownloadProgress } from './fetch-file.js';
import { formatProgress } from './progress-line.js';

/** Returns an `onProgress` callback writing to `stream` (default stderr). */
export function consoleProgress(stream: NodeJS.WriteStream = process.stderr): (p: DownloadProgress) => void {
  const lastDecile = new Map<string, number>();
  return (p) => {
    const done = p.total !== undefined && p.received >= p.total;
    if (stream.isTTY) {
      stream.write(`\r${formatProgress(p)}\x1b[K${done ? '\n' : ''}`);
      return;
    }
    const decile = p.total ? Math.floor((10 * p.received) / p.total) : 0;
    if (decile === lastDecile.get(p.file) && !done) return;
    if (done && lastDecile.get(p.file) === 10) return;
    lastDecile.set(p.file, done ? 10 : decile);
    stream.write(`${formatProgress(p)}\n`);
  };
}
