import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Loader, makeSyntheticDataset } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Loader batch indices', () => {
  it("name each row's dataset example: labels match, one epoch covers every example once, the order is the shuffle's", async () => {
    const dataset = makeSyntheticDataset({ shape: [4, 4, 3], numClasses: 5, size: 37, seed: 3 });
    const loader = new Loader(dataset, { batchSize: 8, seed: 2 });
    const seen: number[] = [];
    for await (const batch of loader) {
      expect(batch.indices.length).toBe(batch.size);
      const labels = batch.y.dataSync();
      batch.indices.forEach((example, row) => expect(labels[row]).toBe(dataset.get(example).label));
      const pixels = batch.x.dataSync();
      expect(pixels[0]).toBeCloseTo(dataset.get(batch.indices[0]!).image[0]! / 255, 6);
      seen.push(...batch.indices);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 37 }, (_, i) => i));
    expect(seen).not.toEqual(Array.from({ length: 37 }, (_, i) => i)); // shuffled
    await loader.close();
  });
});
