/**
 * Feature taps: the named intermediate outputs a classifier's forward pass returns next to its
 * logits, as feature-based distillers read them. The zoo's names map onto mdistiller's indexing:
 * `feats` = [`stem`, `stage1`, .., `stageN`] (post-activation), `preact_feats` = the same names
 * with a `preact/` prefix, `pooled_feat` = `embedding`.
 */
import * as tf from '@tensorflow/tfjs';
import { ArgumentError } from '../errors.js';
import type { ClassifierModel } from '../contracts/model.js';
import type { LossCreationContext } from './loss-term.js';

/** Feature tensors by tap name, batch first. */
export type ModelFeatures = Readonly<Record<string, tf.Tensor>>;
/** Per-example shapes (without the batch axis) by tap name. */
export type FeatureShapes = Readonly<Record<string, readonly number[]>>;

/** The pooled feature (mdistiller's `pooled_feat`): the input of the classifier head. */
export const POOLED_FEATURE = 'embedding';
/** Prefix of pre-activation taps (mdistiller's `preact_feats`): `preact/stage1`. */
export const PREACT_PREFIX = 'preact/';

const STAGE = /^stage(\d+)$/;

/** `stem`, then `stage1`..`stageN` in numeric order: mdistiller's `feats` list, by name. */
export function stageFeatureNames(names: Iterable<string>): string[] {
  const all = [...names];
  const stages = all
    .map((n) => STAGE.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]))
    .map((m) => m[0]);
  return all.includes('stem') ? ['stem', ...stages] : stages;
}

/**
 * One tap of `features`, or an error naming the loss, the model role and the taps there are
 * (a model from a source without that tap cannot feed the loss).
 */
export function requireFeature<T>(features: Readonly<Record<string, T>> | undefined, name: string, loss: string, role: 'model' | 'reference'): T {
  const found = features?.[name];
  if (found === undefined) {
    const have = features ? Object.keys(features) : [];
    throw new ArgumentError(
      role === 'model' ? 'context.features' : 'context.referenceFeatures',
      `loss '${loss}' needs the ${role === 'model' ? 'trained' : 'reference'} model's feature '${name}', which it does not provide (it provides ${have.length ? have.join(', ') : 'no features'})`,
    );
  }
  return found;
}

/** mdistiller's `feats` list of one model, checked to be non-empty. */
export function stageFeatures(features: ModelFeatures | undefined, loss: string, role: 'model' | 'reference'): tf.Tensor[] {
  const names = stageFeatureNames(Object.keys(features ?? {}));
  if (names.length === 0) requireFeature(features, 'stage1', loss, role);
  return names.map((n) => features![n]!);
}

/**
 * Shapes of every feature tap of `model` for one example, from an inference-mode forward pass of
 * a zero batch (BatchNorm statistics are not touched); no tensors are left behind.
 */
export function featureShapesOf(model: ClassifierModel): FeatureShapes {
  return tf.tidy(() => {
    const out = model.forward(tf.zeros([1, ...model.inputShape]), { training: false });
    return Object.fromEntries(Object.entries(out.features).map(([name, t]) => [name, t.shape.slice(1)]));
  });
}

/**
 * The BatchNorm affine parameters before each pre-activation tap of `model`
 * (`ClassifierModel.preactBatchNorms`), copied to the host as loss terms are created with them
 * (`LossCreationContext.referencePreactNorms`); `undefined` when the model does not name them.
 */
export function preactNormsOf(model: ClassifierModel): LossCreationContext['referencePreactNorms'] {
  if (!model.preactBatchNorms) return undefined;
  return Object.fromEntries(Object.entries(model.preactBatchNorms()).map(([tap, { gamma, beta }]) => [tap, { gamma: Float32Array.from(gamma.dataSync()), beta: Float32Array.from(beta.dataSync()) }]));
}
