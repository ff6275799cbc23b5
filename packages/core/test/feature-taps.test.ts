import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { featureShapesOf, preactNormsOf, type ClassifierModel } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A one-stage classifier whose BatchNorm before `preact/stage1` has the given gamma and beta variables. */
function oneStageModel(gamma: tf.Variable, beta: tf.Variable, withNorms: boolean): ClassifierModel {
  const variables = [gamma, beta];
  return {
    name: 'one-stage',
    numClasses: 2,
    inputShape: [2, 2, 3],
    forward: (x) =>
      tf.tidy(() => {
        const preact = x.mul(gamma).add(beta);
        const stage = tf.relu(preact);
        return { logits: stage.mean([1, 2]).slice([0, 0], [-1, 2]), features: { 'preact/stage1': preact, stage1: stage } };
      }),
    trainableVariables: variables,
    nonTrainableVariables: [],
    countParams: () => 6,
    ...(withNorms ? { preactBatchNorms: () => ({ 'preact/stage1': { gamma, beta } }) } : {}),
    dispose: () => tf.dispose(variables),
  };
}

describe('preactNormsOf', () => {
  it('copies each tap\'s gamma and beta to host Float32Arrays that outlive the variables, leaving no tensors', () => {
    const gamma = tf.variable(tf.tensor1d([0.5, 1.5, -2]));
    const beta = tf.variable(tf.tensor1d([0.25, 0, 3]));
    const model = oneStageModel(gamma, beta, true);
    const before = tf.memory().numTensors;
    const norms = preactNormsOf(model)!;
    expect(tf.memory().numTensors).toBe(before);
    expect(Object.keys(norms)).toEqual(['preact/stage1']);
    const { gamma: g, beta: b } = norms['preact/stage1']!;
    expect(g).toBeInstanceOf(Float32Array);
    expect(b).toBeInstanceOf(Float32Array);
    gamma.assign(tf.tensor1d([9, 9, 9]));
    model.dispose();
    expect(Array.from(g)).toEqual([0.5, 1.5, -2]);
    expect(Array.from(b)).toEqual([0.25, 0, 3]);
  });

  it('is undefined for a model that does not name its pre-activation BatchNorms', () => {
    const model = oneStageModel(tf.variable(tf.ones([3])), tf.variable(tf.zeros([3])), false);
    expect(preactNormsOf(model)).toBeUndefined();
    expect(featureShapesOf(model)).toEqual({ 'preact/stage1': [2, 2, 3], stage1: [2, 2, 3] });
    model.dispose();
  });
});
