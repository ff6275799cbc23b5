/** Tiny models and in-memory loaders for trainer tests (seconds per run on the cpu backend). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';
import { SeededRng, type Batch, type BatchLoader, type ClassifierModel, type JsonValue, type ModelOutput } from '@dkl/core';

/** Runs the file's tests on the cpu backend (registers a beforeAll). */
export function useCpuBackend(): void {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
}

function init(rng: SeededRng, shape: number[], scale: number): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => tf.variable(tf.tensor(Float32Array.from({ length: n }, () => rng.normal() * scale), shape)));
}

/** conv3x3 -> relu -> flatten -> dense, with a running mean like BatchNorm's. */
export class TinyModel implements ClassifierModel {
  readonly name = 'tiny';
  readonly inputShape: [number, number, number];
  readonly trainableVariables: tf.Variable[];
  readonly nonTrainableVariables: tf.Variable[];
  private readonly kernel: tf.Variable;
  private readonly dense: tf.Variable;
  private readonly bias: tf.Variable;
  private readonly runningMean: tf.Variable;

  constructor(
    readonly numClasses: number,
    seed: number,
    inputShape: [number, number, number] = [6, 6, 2],
    width = 8,
  ) {
    const rng = new SeededRng(seed);
    this.inputShape = inputShape;
    this.kernel = init(rng, [3, 3, inputShape[2], width], 0.4);
    this.dense = init(rng, [inputShape[0] * inputShape[1] * width, numClasses], 0.05);
    this.bias = tf.variable(tf.zeros([numClasses]));
    this.runningMean = tf.variable(tf.zeros([width]), false);
    this.trainableVariables = [this.kernel, this.dense, this.bias];
    this.nonTrainableVariables = [this.runningMean];
  }

  forward(x: tf.Tensor, options: { training: boolean }): ModelOutput {
    return tf.tidy(() => {
      const h = tf.relu(tf.conv2d(x as tf.Tensor4D, this.kernel as unknown as tf.Tensor4D, 1, 'same'));
      if (options.training) {
        const batchMean = tf.tensor1d(h.mean([0, 1, 2]).dataSync()); // a constant: no gradient
        this.runningMean.assign(this.runningMean.mul(0.9).add(batchMean.mul(0.1)));
      }
      const flat = h.reshape([h.shape[0]!, -1]);
      const logits = flat.matMul(this.dense).add(this.bias);
      return { logits, features: { embedding: flat } };
    });
  }

  countParams(): number {
    return this.trainableVariables.reduce((a, v) => a + v.size, 0);
  }

  dispose(): void {
    tf.dispose([...this.trainableVariables, ...this.nonTrainableVariables]);
  }
}

/** Seeded Gaussian blobs: class c has its own mean image; learnable by TinyModel. */
export function blobs(seed: number, count: number, numClasses: number, shape: [number, number, number] = [6, 6, 2]) {
  const size = shape[0] * shape[1] * shape[2];
  const meanRng = new SeededRng('class-means'); // shared by every split
  const means = Array.from({ length: numClasses }, () => Float32Array.from({ length: size }, () => meanRng.uniform(0.1, 0.9)));
  const rng = new SeededRng(seed);
  const images = new Float32Array(count * size);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const c = i % numClasses;
    labels[i] = c;
    for (let j = 0; j < size; j++) images[i * size + j] = Math.min(1, Math.max(0, means[c]![j]! + rng.normal() * 0.15));
  }
  return { images, labels, shape };
}

/** BatchLoader over arrays: seeded shuffle per (seed, epoch), resumable position. */
export class ArrayLoader implements BatchLoader {
  private position = { epoch: 0, batch: 0 };

  constructor(
    private readonly data: ReturnType<typeof blobs>,
    readonly batchSize: number,
    private readonly seed: number | string,
    private readonly shuffle = true,
  ) {}

  get size(): number {
    return this.data.labels.length;
  }

  get batchesPerEpoch(): number {
    return Math.ceil(this.size / this.batchSize);
  }

  async *batches(epoch: number): AsyncIterable<Batch> {
    const order = this.shuffle ? new SeededRng(`${this.seed}/${epoch}`).permutation(this.size) : Int32Array.from({ length: this.size }, (_, i) => i);
    const start = this.position.epoch === epoch ? this.position.batch : 0;
    const [h, w, c] = this.data.shape;
    const pixels = h * w * c;
    for (let b = start; b < this.batchesPerEpoch; b++) {
      const idx = order.subarray(b * this.batchSize, Math.min(this.size, (b + 1) * this.batchSize));
      const x = new Float32Array(idx.length * pixels);
      const y = new Int32Array(idx.length);
      idx.forEach((k, i) => {
        x.set(this.data.images.subarray(k * pixels, (k + 1) * pixels), i * pixels);
        y[i] = this.data.labels[k]!;
      });
      this.position = { epoch, batch: b + 1 };
      yield { x: tf.tensor4d(x, [idx.length, h, w, c]), y: tf.tensor1d(y, 'int32') };
    }
  }

  getPosition(): JsonValue {
    return { ...this.position };
  }

  setPosition(position: JsonValue): void {
    this.position = { ...(position as { epoch: number; batch: number }) };
  }
}
