// An in-memory BatchLoader (core's contract) over uint8 grayscale images: seeded shuffling per
// epoch, pixels scaled to [0, 1] and repeated over 3 channels (the zoo's models take RGB), one
// tensor per batch created on the active backend (so moved to the GPU once per batch).
import * as tf from '@tensorflow/tfjs';
import { SeededRng } from '@dkl/core';

export class ArrayLoader {
  /**
   * @param {{ images: Uint8Array, labels: Uint8Array, side: number }} data
   * @param {number} batchSize
   * @param {string | number | false} seed shuffling seed, or false for the stored order
   */
  constructor(data, batchSize, seed) {
    this.data = data;
    this.batchSize = batchSize;
    this.seed = seed;
    this.position = { epoch: 0, batch: 0 };
  }

  get size() {
    return this.data.labels.length;
  }

  get batchesPerEpoch() {
    return Math.ceil(this.size / this.batchSize);
  }

  async *batches(epoch) {
    const order = this.seed === false ? Int32Array.from({ length: this.size }, (_, i) => i) : new SeededRng(`${this.seed}/${epoch}`).permutation(this.size);
    const pixels = this.data.side * this.data.side;
    const start = this.position.epoch === epoch ? this.position.batch : 0;
    for (let b = start; b < this.batchesPerEpoch; b++) {
      const idx = order.subarray(b * this.batchSize, Math.min(this.size, (b + 1) * this.batchSize));
      const x = new Float32Array(idx.length * pixels * 3);
      const y = new Int32Array(idx.length);
      idx.forEach((k, i) => {
        for (let p = 0; p < pixels; p++) x.fill(this.data.images[k * pixels + p] / 255, (i * pixels + p) * 3, (i * pixels + p + 1) * 3);
        y[i] = this.data.labels[k];
      });
      this.position = { epoch, batch: b + 1 };
      yield { x: tf.tensor4d(x, [idx.length, this.data.side, this.data.side, 3]), y: tf.tensor1d(y, 'int32') };
    }
  }

  getPosition() {
    return { ...this.position };
  }

  setPosition(position) {
    this.position = { ...position };
  }
}
