/**
 * Seeded subsets: stratified train/validation split, per-class subsampling and long-tailed
 * (exponential imbalance) subsampling. Each class's indices are shuffled by its own stream
 * (`seed` forked by class), and every subset keeps ascending original order, so results depend
 * only on the seed and the labels.
 */
import { ArgumentError, SeededRng, type Dataset } from '@dkl/core';
import { labelsOf } from '../datasets/array-dataset.js';
import { SubsetDataset } from './subset-dataset.js';

/** Indices of each class in ascending order. */
export function indicesByClass(dataset: Dataset): Int32Array[] {
  const labels = labelsOf(dataset);
  const counts = new Array<number>(dataset.numClasses).fill(0);
  for (const l of labels) counts[l]!++;
  const out = counts.map((n) => new Int32Array(n));
  const fill = new Array<number>(dataset.numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) out[labels[i]!]![fill[labels[i]!]!++] = i;
  return out;
}

function shuffledClass(indices: Int32Array, seed: number | string, c: number): Int32Array {
  const perm = new SeededRng(seed).fork(`class-${c}`).permutation(indices.length);
  return perm.map((p) => indices[p]!);
}

const sorted = (parts: Int32Array[]): Int32Array => {
  const all = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all.sort();
};

/** Options of {@link stratifiedSplit}. */
export interface StratifiedSplitOptions {
  /** Fraction of each class that goes to validation (rounded per class), in (0, 1). */
  readonly valFraction: number;
  readonly seed: number | string;
}

/**
 * Splits every class by `valFraction`, so both parts keep the class proportions.
 * `round(count_c * valFraction)` examples of class c go to `val`, the rest to `train`.
 */
export function stratifiedSplit(dataset: Dataset, options: StratifiedSplitOptions): { train: Dataset; val: Dataset } {
  const f = options.valFraction;
  if (!(f > 0 && f < 1)) throw new ArgumentError('options.valFraction', `must be in (0, 1), got ${f}`);
  const train: Int32Array[] = [];
  const val: Int32Array[] = [];
  indicesByClass(dataset).forEach((idx, c) => {
    const s = shuffledClass(idx, options.seed, c);
    const nVal = Math.round(idx.length * f);
    val.push(s.subarray(0, nVal));
    train.push(s.subarray(nVal));
  });
  return {
    train: new SubsetDataset(dataset, sorted(train), `${dataset.name}-train`),
    val: new SubsetDataset(dataset, sorted(val), `${dataset.name}-val`),
  };
}

/** Options of {@link perClassSubsample}. */
export interface PerClassSubsampleOptions {
  /** Examples to keep per class: one number for all classes, or one per class. */
  readonly perClass: number | readonly number[];
  readonly seed: number | string;
}

/** Keeps a seeded random `perClass[c]` examples of each class; a class with fewer is an error naming it. */
export function perClassSubsample(dataset: Dataset, options: PerClassSubsampleOptions): Dataset {
  const { perClass } = options;
  const want = typeof perClass === 'number' ? new Array<number>(dataset.numClasses).fill(perClass) : [...perClass];
  if (want.length !== dataset.numClasses) throw new ArgumentError('options.perClass', `has ${want.length} entries for ${dataset.numClasses} classes`);
  const byClass = indicesByClass(dataset);
  const parts = byClass.map((idx, c) => {
    const n = want[c]!;
    if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`options.perClass[${c}]`, `must be a non-negative integer, got ${n}`);
    if (n > idx.length) throw new ArgumentError(`options.perClass[${c}]`, `asks for ${n} examples of class ${c} but '${dataset.name}' has only ${idx.length}`);
    return shuffledClass(idx, options.seed, c).subarray(0, n);
  });
  return new SubsetDataset(dataset, sorted(parts), `${dataset.name}-subsample`);
}

/** Options of {@link longTailedSubsample}. */
export interface LongTailedOptions {
  /** Ratio of the largest to the smallest class, >= 1 (e.g. 100 for CIFAR-100-LT). */
  readonly imbalanceFactor: number;
  readonly seed: number | string;
  /** Size of the head class (class 0); default: the smallest class count, so every class has enough. */
  readonly maxPerClass?: number;
  /**
   * `random` (default): a seeded random `n_c` of each class. `first`: the first `n_c` of each class
   * in dataset order, independent of any seed (the same CIFAR-LT subset for every run and seed).
   */
  readonly select?: 'random' | 'first';
}

/**
 * Per-class counts of an exponential long-tailed profile (Cao et al. 2019, LDAM-DRW):
 * `n_c = floor(maxPerClass * imbalanceFactor^(-c / (C - 1)))`, class 0 the head.
 */
export function longTailedCounts(numClasses: number, maxPerClass: number, imbalanceFactor: number): number[] {
  if (!(imbalanceFactor >= 1)) throw new ArgumentError('imbalanceFactor', `must be >= 1, got ${imbalanceFactor}`);
  if (!Number.isInteger(maxPerClass) || maxPerClass < 1) throw new ArgumentError('maxPerClass', `must be a positive integer, got ${maxPerClass}`);
  if (numClasses === 1) return [maxPerClass];
  return Array.from({ length: numClasses }, (_, c) => Math.floor(maxPerClass * imbalanceFactor ** (-c / (numClasses - 1))));
}

/** Long-tailed subsample with exponential imbalance (see {@link longTailedCounts}): seeded per class, or the first of each class. */
export function longTailedSubsample(dataset: Dataset, options: LongTailedOptions): Dataset {
  const byClass = indicesByClass(dataset);
  const max = options.maxPerClass ?? Math.min(...byClass.map((x) => x.length));
  const counts = longTailedCounts(dataset.numClasses, max, options.imbalanceFactor);
  if (options.select === 'first') {
    counts.forEach((n, c) => {
      if (n > byClass[c]!.length) throw new ArgumentError(`options.maxPerClass`, `asks for ${n} examples of class ${c} but '${dataset.name}' has only ${byClass[c]!.length}`);
    });
    return new SubsetDataset(dataset, sorted(byClass.map((idx, c) => idx.subarray(0, counts[c]!))), `${dataset.name}-lt${options.imbalanceFactor}`);
  }
  const sub = perClassSubsample(dataset, { perClass: counts, seed: options.seed });
  return new SubsetDataset(dataset, (sub as SubsetDataset).indices, `${dataset.name}-lt${options.imbalanceFactor}`);
}

/**
 * The examples of `base` that `subset` (a {@link SubsetDataset} of `base`, e.g. a per-class
 * subsample) leaves out, in ascending order: the unlabelled rest of a split after k labels per
 * class were taken.
 */
export function complementSubset(base: Dataset, subset: Dataset, name = `${base.name}-rest`): Dataset {
  if (!(subset instanceof SubsetDataset) || subset.base !== base) {
    throw new ArgumentError('subset', `must be a subset of '${base.name}' (a SubsetDataset over it), got '${subset.name}'`);
  }
  const taken = new Uint8Array(base.length);
  for (const i of subset.indices) taken[i] = 1;
  const rest = new Int32Array(base.length - subset.indices.length);
  let at = 0;
  for (let i = 0; i < base.length; i++) if (!taken[i]) rest[at++] = i;
  return new SubsetDataset(base, rest.subarray(0, at), name);
}
