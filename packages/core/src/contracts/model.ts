import type { Tensor, Variable } from '@tensorflow/tfjs';
import type { z } from 'zod';

/** Output of a classifier's forward pass. */
export interface ModelOutput {
  /** [B, numClasses] */
  readonly logits: Tensor;
  /** Named intermediate tensors distillers use: `embedding`, `stage1`... */
  readonly features: Readonly<Record<string, Tensor>>;
}

/** A trainable image classifier over NHWC float32 inputs. */
export interface ClassifierModel {
  readonly name: string;
  readonly numClasses: number;
  readonly inputShape: readonly [number, number, number];
  /** `training` selects batch statistics (and updates BatchNorm running stats) when true. */
  forward(x: Tensor, options: { training: boolean }): ModelOutput;
  readonly trainableVariables: readonly Variable[];
  /** Non-trainable state such as BatchNorm running statistics. */
  readonly nonTrainableVariables: readonly Variable[];
  countParams(options?: { trainableOnly?: boolean }): number;
  /**
   * Optional: the affine parameters of the BatchNorm that feeds each `preact/stageK` tap, by tap
   * name (mdistiller's `get_bn_before_relu`; OFD derives its margins from them). Architectures
   * list the stages mdistiller lists.
   */
  preactBatchNorms?(): Readonly<Record<string, { readonly gamma: Tensor; readonly beta: Tensor }>>;
  dispose(): void;
}

export interface CreateModelOptions {
  readonly numClasses: number;
  readonly inputShape?: readonly [number, number, number];
  readonly seed?: number | string;
}

/** Multi-binding token: a model architecture that config can name (`resnet8x4`). */
export const ModelDefinition = Symbol('ModelDefinition');

export interface ModelDefinition<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly description: string;
  /** Extra architecture options beyond CreateModelOptions. */
  readonly schema?: S;
  create(options: CreateModelOptions & { extra?: z.output<S> }): ClassifierModel;
}
