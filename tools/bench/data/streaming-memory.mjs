#!/usr/bin/env node
/**
 * Child of streaming-bench.mjs: streams --images images (2 workers, batch --batch) from the
 * folder --dir, or from the image-list --list when given, and prints the process's peak RSS.
 */
import { resourceUsage } from 'node:process';
import * as tf from '@tensorflow/tfjs';
import { Loader, streamImageFolder, streamImageList } from '@dkl/data';
import { arg, numArg } from '../args.mjs';

await tf.setBackend('cpu');
const dir = arg('dir', '');
const list = arg('list', '');
const images = numArg('images', 1024);
const dataset = list ? await streamImageList(dir, list) : await streamImageFolder(dir, { indexCacheDir: false });
const loader = new Loader(dataset, { batchSize: numArg('batch', 64), seed: 1, workers: 2, transforms: [{ kind: 'random-resized-crop', size: 224 }, { kind: 'random-flip' }, { kind: 'normalize', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }] });
let count = 0;
for await (const b of loader) if ((count += b.size) >= images) break;
await loader.close();
console.log(JSON.stringify({ 'images streamed': count, 'peak RSS MB': Math.round(resourceUsage().maxRSS / 1024) }));
