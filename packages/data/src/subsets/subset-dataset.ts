/** A view of some examples of another dataset, by index. */
import { ArgumentError, type Dataset, type Example } from '@dkl/core';
import { checkIndex } from '../datasets/array-dataset.js';

/** Dataset of `base[indices[i]]`; indices are validated once, images are not copied. */
export class SubsetDataset implements Dataset {
  readonly length: number;
  readonly numClasses: number;
  readonly shape: readonly [number, number, number];
  readonly classNames?: readonly string[];

  constructor(
    readonly base: Dataset,
    readonly indices: Int32Array,
    readonly name: string = `${base.name}-subset`,
  ) {
    for (let i = 0; i < indices.length; i++) {
      const j = indices[i]!;
      if (!Number.isInteger(j) || j < 0 || j >= base.length) throw new ArgumentError('indices', `entry ${i} is ${j}, outside [0, ${base.length}) of '${base.name}'`);
    }
    this.length = indices.length;
    this.numClasses = base.numClasses;
    this.shape = base.shape;
    if (base.classNames) this.classNames = base.classNames;
  }

  get(index: number): Example {
    checkIndex(index, this.length, this.name);
    return this.base.get(this.indices[index]!);
  }
}
