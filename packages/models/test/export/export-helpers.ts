import * as tf from '@tensorflow/tfjs';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { SeededRng } from '@dkl/core';
import type { DklModel, ExportFormat } from '../../src/index.js';

/** Serves `root` over HTTP on a free loopback port (what a browser or stock tfjs loads from). */
export async function serveDirectory(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const types: Record<string, string> = { '.json': 'application/json', '.bin': 'application/octet-stream', '.html': 'text/html', '.js': 'text/javascript', '.onnx': 'application/octet-stream' };
  const server: Server = createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/**
 * Gives every bias, batch-norm affine parameter and running statistic random values (variances
 * positive), so that folding batch-norm is actually exercised: fresh models have identity BNs.
 */
export function randomizeVectors(model: DklModel, seed = 7): void {
  const rng = new SeededRng(seed);
  for (const p of model.parameters) {
    if (p.spec.layout !== 'vector') continue;
    const n = p.size;
    const values = Float32Array.from({ length: n }, () => rng.uniform());
    const name = p.spec.name;
    const mapped = name.endsWith('running_var') ? values.map((v) => 0.5 + v) : name.endsWith('.weight') ? values.map((v) => 0.5 + v) : values.map((v) => v - 0.5);
    const t = tf.tensor(mapped, p.value.shape);
    p.value.assign(t);
    t.dispose();
  }
}

/** max |a - b| / max(1, max |b|): the logit-scale-relative difference the export tolerance is stated in. */
export function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/**
 * Logits of an export for the NHWC batch `x`: onnxruntime-node on `<dir>/model.onnx`, or stock
 * `tf.loadLayersModel` / `tf.loadGraphModel` fetching `<url>/model.json` over HTTP.
 */
export async function runExported(format: ExportFormat, dir: string, url: string, x: tf.Tensor4D): Promise<Float32Array> {
  if (format === 'onnx') {
    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'));
    const out = await session.run({ input: new ort.Tensor('float32', x.dataSync() as Float32Array, x.shape) });
    await session.release();
    return out['logits']!.data as Float32Array;
  }
  const model = format === 'tfjs-layers' ? await tf.loadLayersModel(`${url}/model.json`) : await tf.loadGraphModel(`${url}/model.json`);
  const y = model.predict(x) as tf.Tensor;
  const data = y.dataSync() as Float32Array;
  tf.dispose(y);
  model.dispose();
  return data;
}
