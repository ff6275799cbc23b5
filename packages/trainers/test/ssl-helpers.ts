/** Few-label problems for the semi-supervised trainer tests: blobs with seeded per-view noise. */
import * as tf from '@tensorflow/tfjs';
import { SeededRng, type Batch, type BatchLoader, type JsonValue } from '@dkl/core';
import { ArrayLoader, blobs } from './helpers.js';

/**
 * An {@link ArrayLoader} whose images get seeded Gaussian noise of std `noise` (an augmentation):
 * loaders sharing `seed` but not `augmentSeed` are two views of the same examples.
 */
export class NoisyLoader implements BatchLoader {
  private readonly inner: ArrayLoader;
  constructor(
    data: ReturnType<typeof blobs>,
    readonly batchSize: number,
    seed: string,
    private readonly augmentSeed: string,
    private readonly noise: number,
  ) {
    this.inner = new ArrayLoader(data, batchSize, seed);
  }
  get size() {
    return this.inner.size;
  }
  get batchesPerEpoch() {
    return this.inner.batchesPerEpoch;
  }
  async *batches(epoch: number): AsyncIterable<Batch> {
    for await (const batch of this.inner.batches(epoch)) {
      const index = (this.inner.getPosition() as { batch: number }).batch - 1;
      const rng = new SeededRng(`${this.augmentSeed}/${epoch}/${index}`);
      const noise = Float32Array.from({ length: batch.x.size }, () => rng.normal() * this.noise);
      const x = tf.tidy(() => batch.x.add(tf.tensor(noise, batch.x.shape)));
      batch.x.dispose();
      yield { x, y: batch.y };
    }
  }
  getPosition(): JsonValue {
    return this.inner.getPosition();
  }
  setPosition(position: JsonValue): void {
    this.inner.setPosition(position);
  }
}

/** Labelled examples (`perClass` per class), unlabelled ones and a test set of one blob problem. */
export function fewLabels(options: { classes: number; perClass: number; unlabelled: number; noise: number }) {
  const shape: [number, number, number] = [6, 6, 2];
  const make = (seed: number, count: number) => {
    const d = blobs(seed, count, options.classes, shape);
    // Harder than the default blobs (extra seeded noise), so a few labels alone overfit.
    const rng = new SeededRng(`extra-noise/${seed}`);
    for (let i = 0; i < d.images.length; i++) d.images[i] = d.images[i]! + rng.normal() * options.noise;
    return d;
  };
  return { labelled: make(21, options.classes * options.perClass), unlabelled: make(22, options.unlabelled), test: make(23, 200), shape };
}
