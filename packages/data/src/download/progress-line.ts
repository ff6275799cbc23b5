/** One-line progress text for downloads: `cifar-100-binary.tar.gz  45.2 MB / 161.2 MB  28%  5.1 MB/s`. */
import type { DownloadProgress } from './fetch-file.js';

/** Bytes in B / kB / MB / GB (powers of 1000, as download tools print). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

/** The progress text of `p`, with a 20-character bar when the total is known. */
export function formatProgress(p: DownloadProgress): string {
  const rate = `${formatBytes(p.bytesPerSecond)}/s`;
  const resumed = p.resumedFrom > 0 ? ` (resumed at ${formatBytes(p.resumedFrom)})` : '';
  if (p.total === undefined || p.total <= 0) return `${p.file}  ${formatBytes(p.received)}  ${rate}${resumed}`;
  const frac = Math.min(1, p.received / p.total);
  const filled = Math.round(frac * 20);
  return `${p.file}  [${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${formatBytes(p.received)} / ${formatBytes(p.total)}  ${Math.floor(frac * 100)}%  ${rate}${resumed}`;
}
