import * as tf from '@tensorflow/tfjs';
import { injectable } from 'inversify';
import { ConfigError, ShapeError } from '../errors.js';

/** Token and interface of the shared class-wise prior (IKL's "GI"). */
export const ClassPriorStore = Symbol('ClassPriorStore');

/**
 * Holds the `[C, C]` class prior: row c is the mean softmax prediction over class-c samples of
 * the previous epoch. Written by the class-prior updater plugin, read by IKL/GKL losses.
 */
export interface ClassPriorStore {
  /** The current prior, or undefined before anyone set one. Owned by the store: do not dispose. */
  get(): tf.Tensor2D | undefined;
  /**
   * The current prior, or a uniform `1/C` matrix of size `numClasses` before the first one is
   * published (the authors' epoch 1). A loss that asks while nothing writes the prior gets a
   * ConfigError instead of a silently uniform prior.
   */
  getOrUniform(numClasses: number): tf.Tensor2D;
  /** Declares `owner` as the prior's writer until the returned function is called. */
  attachWriter(owner: string): () => void;
  /** Replaces the prior; the store keeps a copy (the caller keeps ownership of `prior`). */
  set(prior: tf.Tensor2D): void;
  /** Forgets the prior and frees its memory. */
  clear(): void;
}

/** The default in-memory store (bound by `coreModule`). */
@injectable()
export class InMemoryClassPriorStore implements ClassPriorStore {
  private prior: tf.Tensor2D | undefined;
  private uniform: tf.Tensor2D | undefined;
  private readonly writers = new Set<string>();

  get(): tf.Tensor2D | undefined {
    return this.prior;
  }

  getOrUniform(numClasses: number): tf.Tensor2D {
    if (this.prior) {
      if (this.prior.shape[0] !== numClasses) throw new ShapeError('classPrior', `[${numClasses}, ${numClasses}]`, this.prior.shape);
      return this.prior;
    }
    if (this.writers.size === 0) {
      throw new ConfigError(
        'classPrior',
        'a loss uses the class prior (classPrior: true) but nothing writes it: add the class-prior plugin (ClassPriorUpdater) to the run, or set classPrior: false',
      );
    }
    if (!this.uniform || this.uniform.shape[0] !== numClasses) {
      this.uniform?.dispose();
      this.uniform = tf.keep(tf.fill([numClasses, numClasses], 1 / numClasses)) as tf.Tensor2D;
    }
    return this.uniform;
  }

  attachWriter(owner: string): () => void {
    this.writers.add(owner);
    return () => this.writers.delete(owner);
  }

  set(prior: tf.Tensor2D): void {
    if (prior.rank !== 2 || prior.shape[0] !== prior.shape[1]) throw new ShapeError('prior', 'a square [C, C] matrix', prior.shape);
    const copy = tf.keep(prior.clone());
    this.prior?.dispose();
    this.prior = copy;
  }

  clear(): void {
    this.prior?.dispose();
    this.uniform?.dispose();
    this.prior = undefined;
    this.uniform = undefined;
  }
}
