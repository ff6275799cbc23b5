/**
 * A real HTTP server on loopback (free port) serving in-memory files, with HTTP Range support,
 * an optional connection drop half way, and throttling: what a download must survive.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedRequest {
  readonly path: string;
  readonly range: string | undefined;
}

export interface FileServerOptions {
  /** Destroy the socket after this many body bytes on the first `dropTimes` requests of each file. */
  readonly dropAfter?: number;
  readonly dropTimes?: number;
  /** Answer Range requests with the whole file (200), as some servers do. */
  readonly ignoreRange?: boolean;
  /** Send the body in chunks of this many bytes with `chunkDelayMs` between them. */
  readonly chunkBytes?: number;
  readonly chunkDelayMs?: number;
  /** Hold each response's last chunk until this settles (a test decides when a download may end). */
  readonly holdLastChunk?: Promise<void>;
}

export interface FileServer {
  readonly url: string;
  readonly requests: ServedRequest[];
  close(): Promise<void>;
}

export async function serveFiles(files: ReadonlyMap<string, Uint8Array>, options: FileServerOptions = {}): Promise<FileServer> {
  const requests: ServedRequest[] = [];
  const drops = new Map<string, number>();
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const range = req.headers.range;
    requests.push({ path, range });
    const body = files.get(path);
    if (!body) {
      res.writeHead(404).end('not found');
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    if (m && !options.ignoreRange) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, 'accept-ranges': 'bytes' });
    } else {
      res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
    }
    const dropped = drops.get(path) ?? 0;
    const drop = options.dropAfter !== undefined && dropped < (options.dropTimes ?? 1);
    const end = drop ? Math.min(body.length, start + options.dropAfter!) : body.length;
    const step = options.chunkBytes ?? end - start;
    for (let at = start; at < end; at += step) {
      if (options.holdLastChunk && at + step >= end) await options.holdLastChunk;
      res.write(Buffer.from(body.subarray(at, Math.min(end, at + step))));
      if (options.chunkDelayMs) await new Promise((r) => setTimeout(r, options.chunkDelayMs));
    }
    if (drop) {
      drops.set(path, dropped + 1);
      // Let the written bytes reach the client, then cut the connection mid-body.
      await new Promise((r) => setTimeout(r, 50));
      req.socket.destroy();
      return;
    }
    res.end();
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
