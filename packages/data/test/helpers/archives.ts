/**
 * Real-format dataset files generated in tests: a CIFAR-100 binary tar.gz with the official
 * layout (`cifar-100-binary/{train,test}.bin` + label-name files, written by the npm `tar`
 * package) and gzip IDX files.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { c as tarCreate } from 'tar';
import { CIFAR100_COARSE_CLASSES, CIFAR100_FINE_CLASSES } from '../../src/index.js';
import { fixtureBytes } from './tmp.js';

export const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

/** CIFAR-100 records: 2 label bytes (coarse, fine) + 3072 channel-planar pixels each. */
export function cifar100Records(count: number, seed: number): { bytes: Uint8Array; fine: number[] } {
  const rec = 2 + 3072;
  const bytes = new Uint8Array(count * rec);
  const fine: number[] = [];
  for (let r = 0; r < count; r++) {
    const f = (r * 7 + seed) % 100;
    fine.push(f);
    bytes[r * rec] = f % 20;
    bytes[r * rec + 1] = f;
    bytes.set(fixtureBytes(3072, seed * 1000 + r), r * rec + 2);
  }
  return { bytes, fine };
}

/** A `cifar-100-binary.tar.gz` with `train` / `test` records; returns the archive bytes and the fine labels. */
export async function cifar100Archive(workDir: string, train: number, test: number): Promise<{ archive: Uint8Array; trainFine: number[]; testFine: number[] }> {
  const src = join(workDir, 'src');
  mkdirSync(join(src, 'cifar-100-binary'), { recursive: true });
  const tr = cifar100Records(train, 1);
  const te = cifar100Records(test, 2);
  writeFileSync(join(src, 'cifar-100-binary', 'train.bin'), tr.bytes);
  writeFileSync(join(src, 'cifar-100-binary', 'test.bin'), te.bytes);
  writeFileSync(join(src, 'cifar-100-binary', 'fine_label_names.txt'), `${CIFAR100_FINE_CLASSES.join('\n')}\n`);
  writeFileSync(join(src, 'cifar-100-binary', 'coarse_label_names.txt'), `${CIFAR100_COARSE_CLASSES.join('\n')}\n`);
  const file = join(workDir, 'cifar-100-binary.tar.gz');
  await tarCreate({ gzip: true, file, cwd: src, portable: true }, ['cifar-100-binary']);
  return { archive: readFileSync(file), trainFine: tr.fine, testFine: te.fine };
}

/** A gzip IDX file (big-endian header: 0x00 0x00 0x08 rank, then dims, then uint8 data). */
export function idxGz(dims: number[], data: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x00000800 | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([header, Buffer.from(data)]));
}
