/** The loss functions of the float64-agreement grid, as cases any backend's suite can evaluate. */
import * as tf from '@tensorflow/tfjs';
import {
  crossEntropy,
  decoupledKL,
  dkdLoss,
  dklOptions,
  gklKdOptions,
  iklAtOptions,
  iklKdOptions,
  kdLoss,
  tradesLoss,
} from '../../src/index.js';
import type { SeededRng } from '@dkl/core';
import { crossEntropyRef, decoupledRef, dkdRef, kdRef, tradesRef, type Matrix, type RefResult } from './reference.js';
import { randomLabels, randomLogits, randomPriorRows, toTensor } from './tensors.js';

export interface AgreementCase {
  readonly name: string;
  readonly f: (...xs: tf.Tensor[]) => tf.Scalar;
  readonly inputs: Matrix[];
  readonly ref: RefResult;
}

/** Every function at one grid point; `lab` and `priorT` are the tensors of `labels` and `prior`. */
export function agreementCases(a: Matrix, b: Matrix, labels: number[], prior: Matrix, lab: tf.Tensor1D, priorT: tf.Tensor): AgreementCase[] {
  const cases: AgreementCase[] = [
    { name: 'crossEntropy', f: (x) => crossEntropy(x!, lab), inputs: [a], ref: crossEntropyRef(a, labels) },
    { name: 'crossEntropy(s=0.1)', f: (x) => crossEntropy(x!, lab, { labelSmoothing: 0.1 }), inputs: [a], ref: crossEntropyRef(a, labels, 0.1) },
  ];
  // Soft targets (mixup / CutMix): any distribution per row, with and without smoothing.
  for (const s of [0, 0.1]) cases.push({ name: `crossEntropy(soft, s=${s})`, f: (x) => crossEntropy(x!, priorT, { labelSmoothing: s }), inputs: [a], ref: crossEntropyRef(a, prior, s) });
  for (const T of [1, 4]) cases.push({ name: `kdLoss T=${T}`, f: (s, t) => kdLoss(s!, t!, { temperature: T }), inputs: [a, b], ref: kdRef(a, b, T) });
  cases.push({ name: 'tradesLoss', f: (n, x) => tradesLoss(n!, x!), inputs: [a, b], ref: tradesRef(a, b) });
  cases.push({ name: 'dkdLoss', f: (s, t) => dkdLoss(s!, t!, lab, { alpha: 1, beta: 8, temperature: 4 }), inputs: [a, b], ref: dkdRef(a, b, labels, 1, 8, 4) });
  const variants = {
    dkl: dklOptions({ referenceGradient: true }),
    iklKd: iklKdOptions(),
    iklKdBothSides: iklKdOptions({ referenceGradient: true, weightTemperature: 4 }),
    gklKd: gklKdOptions({ referenceGradient: true }),
    iklAt: iklAtOptions(),
  };
  for (const [name, options] of Object.entries(variants)) {
    cases.push({ name: `decoupledKL ${name}`, f: (r, t) => decoupledKL(r!, t!, options), inputs: [a, b], ref: decoupledRef(a, b, { ...options, classWeights: undefined }) });
  }
  // class-prior weights (GI), with GKL's power and pair-weight normalisation
  for (const options of [iklAtOptions(), gklKdOptions({ gamma: 0.3 }), gklKdOptions({ gamma: 0 })]) {
    cases.push({
      name: `decoupledKL prior gamma=${options.gamma} ${options.normalization}`,
      f: (r, t) => decoupledKL(r!, t!, { ...options, classWeights: priorT }),
      inputs: [a, b],
      ref: decoupledRef(a, b, { ...options, classWeights: prior }),
    });
  }
  return cases;
}

/**
 * The cases at one grid point (B, C, logit scale), their inputs drawn from `rng` in the order every
 * backend's suite uses; call `dispose` when done with them.
 */
export function gridPointCases(rng: SeededRng, B: number, C: number, scale: number): { readonly cases: AgreementCase[]; dispose(): void } {
  const a = randomLogits(rng, B, C, scale);
  const b = randomLogits(rng, B, C, scale);
  const labels = randomLabels(rng, B, C);
  const prior = randomPriorRows(rng, B, C);
  const lab = tf.tensor1d(labels, 'int32');
  const priorT = toTensor(prior);
  return { cases: agreementCases(a, b, labels, prior, lab, priorT), dispose: () => tf.dispose([lab, priorT]) };
}
