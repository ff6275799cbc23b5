import type { z } from 'zod';

/** One example: an HWC uint8 image (0-255) and its class index. */
export interface Example {
  readonly image: Uint8Array;
  readonly label: number;
}

/** A named, indexable source of labelled images. */
export interface Dataset {
  readonly name: string;
  readonly length: number;
  readonly numClasses: number;
  /** `[H, W, C]` of every image. */
  readonly shape: readonly [number, number, number];
  readonly classNames?: readonly string[];
  get(index: number): Example;
}

/** Multi-binding token: a dataset source that config can name (`cifar100`, `fashion-mnist`). */
export const DatasetDefinition = Symbol('DatasetDefinition');

export interface DatasetDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  readonly schema: S;
  /** Loads one split (`train`, `test`, ...). */
  load(options: z.output<S>, split: string): Promise<Dataset>;
}
