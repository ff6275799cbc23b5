import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Records every module URL the import graph of `@dkl/losses/math` resolves (a resolve hook
// reporting through a MessagePort), then runs decoupledKL with its gradient.
const SCRIPT = `
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';
const hook = 'let port; export async function initialize(d) { port = d.port; } ' +
  'export async function resolve(s, c, next) { const r = await next(s, c); port.postMessage(r.url); return r; }';
const { port1, port2 } = new MessageChannel();
const loaded = [];
port1.on('message', (url) => loaded.push(url));
register('data:text/javascript,' + encodeURIComponent(hook), { data: { port: port2 }, transferList: [port2] });
const tf = await import('@tensorflow/tfjs');
const { decoupledKL, iklKdOptions } = await import('@dkl/losses/math');
const s = tf.tensor2d([[1, 2, 0.5], [0, -1, 3]]);
const t = tf.tensor2d([[2, 1, 0], [0.5, 0, 2]]);
const { value, grad } = tf.valueAndGrad((x) => decoupledKL(t, x, iklKdOptions()))(s);
await new Promise((r) => setTimeout(r, 100));
port1.close();
console.log(JSON.stringify({ value: value.dataSync()[0], grad: grad.shape, loaded }));
`;

describe('@dkl/losses/math', () => {
  it('gives the loss functions without loading inversify, zod, rxjs or the plugin layer', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { cwd: __dirname, encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const { value, grad, loaded } = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { value: number; grad: number[]; loaded: string[] };
    expect(Number.isFinite(value) && value > 0).toBe(true);
    expect(grad).toEqual([2, 3]);
    expect(loaded.some((u) => u.includes('/losses/dist/functions/decoupled-kl.js'))).toBe(true); // the hook saw the graph
    for (const unwanted of ['/inversify/', '/zod/', '/rxjs/', '/losses/dist/plugins/', '/core/dist/index.js']) {
      expect(loaded.filter((u) => u.includes(unwanted)), unwanted).toEqual([]);
    }
  });
});
