/** Streams a file through a hash (downloads are verified before anything reads them). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Lower-case hex digest (`md5` by default) of the file at `path`. */
export async function fileDigest(path: string, algorithm: 'md5' | 'sha256' = 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
