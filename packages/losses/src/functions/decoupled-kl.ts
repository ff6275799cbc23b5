import * as tf from '@tensorflow/tfjs';
import { ArgumentError, ShapeError } from '@dkl/core/errors';
import { scaleLogits } from '../math/softmax-parts.js';
import { rowDot } from '../math/row-dot.js';
import { scalarCustomGrad } from '../math/custom-grad.js';
import {
  assertLogits,
  assertNonNegative,
  assertPositive,
  assertSameShape,
  checkValues,
  describe,
} from '../validation/check-inputs.js';

/** How the weighted-MSE sum is normalised. */
export type WmseNormalization = 'batch' | 'weights';

/**
 * Options of {@link decoupledKL}.
 *
 * Name mapping (the papers and the authors' code disagree):
 * | here | authors' code | DKL/IKL paper |
 * |---|---|---|
 * | `softLabelWeight` (soft-label CE) | `ALPHA` / `--alpha` | β |
 * | `wmseWeight` (weighted MSE) | `BETA` / `--beta` | α (written α/4 in front of the pair sum) |
 * | `temperature` | `T` | T |
 * | `weightTemperature` | `T2` (KD), `--T` (AT prior) | τ |
 * | `gamma` | `GAMMA` / `--gamma` (GKL) | γ |
 */
export interface DecoupledKLOptions {
  /** Temperature T of the soft-label cross-entropy term. Default 1. */
  readonly temperature?: number;
  /** Weight of the soft-label CE term (the authors' code: ALPHA; the paper: β). Default 1. */
  readonly softLabelWeight?: number;
  /** Weight of the weighted-MSE term (the authors' code: BETA; the paper: α). Default 1. */
  readonly wmseWeight?: number;
  /**
   * Per-sample weight vectors w_b `[B, C]` (IKL's class-wise prior rows, "GI"; see
   * {@link classPriorWeights}). Never receives gradient. Default: `softmax(reference / weightTemperature)`.
   */
  readonly classWeights?: tf.Tensor;
  /** Temperature of the default weights (the authors' `T2`). Default 1. */
  readonly weightTemperature?: number;
  /** GKL's power on the weights, `w^gamma` (gamma = 0 gives all-ones weights). Default 1. */
  readonly gamma?: number;
  /**
   * `'batch'`: divide the wMSE by B (DKL, IKL). `'weights'`: divide by the total pair weight
   * `sum_b (sum_j w_bj)^2` (GKL). Default `'batch'`.
   */
  readonly normalization?: WmseNormalization;
  /**
   * IKL's "break asymmetry": true sends the wMSE gradient into the trained logits; false is plain
   * DKL (trained-side differences under stop-gradient). Default true.
   */
  readonly symmetric?: boolean;
  /** Whether the wMSE also sends gradient into the reference logits (adversarial training). Default false. */
  readonly referenceGradient?: boolean;
  /** Check inputs for NaN/Inf and negative weights (one small device read). Default true. */
  readonly validate?: boolean;
}

/** {@link DecoupledKLOptions} with every default filled in (what the presets return). */
export type ResolvedDecoupledKLOptions = Required<Omit<DecoupledKLOptions, 'classWeights'>> & {
  readonly classWeights?: tf.Tensor;
};

/** The defaults of {@link decoupledKL}; each preset starts from these. */
export const DECOUPLED_KL_DEFAULTS: Readonly<Required<Omit<DecoupledKLOptions, 'classWeights'>>> = Object.freeze({
  temperature: 1,
  softLabelWeight: 1,
  wmseWeight: 1,
  weightTemperature: 1,
  gamma: 1,
  normalization: 'batch',
  symmetric: true,
  referenceGradient: false,
  validate: true,
});

/** Fills defaults and checks every scalar option; names the offending option on error. */
export function resolveDecoupledKLOptions(options: DecoupledKLOptions = {}): ResolvedDecoupledKLOptions {
  const o: ResolvedDecoupledKLOptions = { ...DECOUPLED_KL_DEFAULTS, ...stripUndefined(options) };
  assertPositive('options.temperature', o.temperature);
  assertPositive('options.weightTemperature', o.weightTemperature);
  assertNonNegative('options.softLabelWeight', o.softLabelWeight);
  assertNonNegative('options.wmseWeight', o.wmseWeight);
  assertNonNegative('options.gamma', o.gamma);
  if (o.normalization !== 'batch' && o.normalization !== 'weights') {
    throw new ArgumentError('options.normalization', `must be 'batch' or 'weights', got ${String(o.normalization)}`);
  }
  for (const key of ['symmetric', 'referenceGradient', 'validate'] as const) {
    if (typeof o[key] !== 'boolean') throw new ArgumentError(`options.${key}`, `must be a boolean, got ${String(o[key])}`);
  }
  return o;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The DKL / IKL / GKL family (Cui et al. 2024, 2025):
 * `wmseWeight * wMSE + softLabelWeight * CE_soft` with
 * - `wMSE = 1/(4N) sum_b sum_{j,k} w_bj w_bk ((r_bj - r_bk) - (t_bj - t_bk))^2`, N = B (`'batch'`) or
 *   `sum_b (sum_j w_bj)^2` (`'weights'`), evaluated in O(B·C) as
 *   `1/(2N) sum_b S_b * sum_j w_bj (d_bj - m_b)^2` with `d = r - t`, `S_b = sum_j w_bj`,
 *   `m_b = sum_j w_bj d_bj / S_b` (the centred form of `2 S Q - 2 L^2`, so no cancellation when the
 *   logits of a row share a large offset). No `[B, C, C]` tensor is ever built.
 * - `CE_soft = -mean_b sum_j softmax(r_b / T)_j log_softmax(t_b / T)_j` (no T^2 factor, as in the
 *   authors' code); the soft label never carries gradient.
 *
 * Gradients (custom, closed form): trained logits get
 * `softLabelWeight (q - p) / (T B) - [symmetric] wmseWeight S_b w_bj (d_bj - m_b) / N`;
 * reference logits get `[referenceGradient] wmseWeight S_b w_bj (d_bj - m_b) / N`, else zero.
 * The weights are constants (stop-gradient).
 *
 * With `symmetric: false`, T = 1, default weights at weightTemperature 1 and gamma 1, the
 * gradients equal those of `mean_b KL(softmax(r) || softmax(t))` (Theorem 1): into `trained`
 * always, and into `reference` when `referenceGradient` is true.
 *
 * @param reference - float32 `[B, C]`: teacher logits (KD) or natural-image logits (AT).
 * @param trained - float32 `[B, C]`: student logits (KD) or adversarial-image logits (AT).
 * @returns a scalar.
 */
export function decoupledKL(reference: tf.Tensor, trained: tf.Tensor, options: DecoupledKLOptions = {}): tf.Scalar {
  assertLogits('reference', reference);
  assertLogits('trained', trained);
  assertSameShape('reference', reference, 'trained', trained);
  const o = resolveDecoupledKLOptions(options);
  const cw = o.classWeights;
  if (cw !== undefined) {
    if (!(cw instanceof tf.Tensor)) throw new ArgumentError('options.classWeights', `must be a tf.Tensor [B, C], got ${typeof cw}`);
    if (cw.rank !== 2 || cw.shape[0] !== reference.shape[0] || cw.shape[1] !== reference.shape[1] || cw.dtype !== 'float32') {
      throw new ShapeError('options.classWeights', `a float32 tensor [${reference.shape.join(', ')}] like 'reference'`, describe(cw));
    }
  }
  if (o.validate) {
    checkValues({
      finite: [['reference', reference], ['trained', trained]],
      nonNegative: cw ? [['options.classWeights', cw]] : [],
    });
  }

  const batch = reference.shape[0];
  const { temperature: T, softLabelWeight: a, wmseWeight: b } = o;
  // Softmax weights with gamma = 1 sum to 1 per row, so S_b = 1 and N = B for either
  // normalisation: skip those reductions (the common KD path, and the one benchmarked).
  const unitRows = cw === undefined && o.gamma === 1;
  const body = (r: tf.Tensor2D, t: tf.Tensor2D, weightsIn: tf.Tensor2D | undefined, save: tf.GradSaveFunc) => {
    // Shift rows by their max once; reused by both softmaxes of r and by d (row offsets cancel in
    // the wMSE, and removing them keeps d small for badly offset logits).
    const rs = tf.sub(r, tf.max(r, 1, true)) as tf.Tensor2D;
    const ts = tf.sub(t, tf.max(t, 1, true)) as tf.Tensor2D;
    const softmaxOf = (shifted: tf.Tensor2D, temperature: number) => {
      const e = tf.exp(scaleLogits(shifted, temperature));
      return tf.div(e, tf.sum(e, 1, true)) as tf.Tensor2D;
    };
    const p = softmaxOf(rs, T);
    const zt = scaleLogits(ts, T);
    const te = tf.exp(zt);
    const tSum = tf.sum(te, 1, true);
    // CE_b = -sum_j p_j (zt_j - log tSum_b) = log tSum_b - p_b . zt_b: two non-negative parts
    // (zt <= 0), so no cancellation, and no [B, C] log-probability temporary.
    const ceRows = tf.sub(tf.log(tSum), rowDot(p, zt as tf.Tensor2D));

    let w: tf.Tensor2D;
    if (o.gamma === 0) w = tf.onesLike(r);
    else {
      const base = weightsIn ?? (o.weightTemperature === T ? p : softmaxOf(rs, o.weightTemperature));
      w = o.gamma === 1 ? base : tf.pow(base, o.gamma);
    }
    const d = tf.sub(rs, ts) as tf.Tensor2D;
    const q = tf.div(te, tSum);
    if (unitRows) {
      // m_b = w_b . d_b; wMSE = (1/2B) sum_b w_b . (d_b - m_b)^2. One scalar reduction for both terms.
      const centred = tf.sub(d, rowDot(w, d)) as tf.Tensor2D;
      const sw = tf.mul(w, centred) as tf.Tensor2D;
      save([q, p, sw]);
      const rows = tf.add(tf.mul(ceRows, a / batch), tf.mul(rowDot(sw, centred), b / (2 * batch)));
      return tf.sum(rows) as tf.Scalar;
    }
    const S = tf.sum(w, 1, true);
    const centred = tf.sub(d, tf.divNoNan(rowDot(w, d), S)) as tf.Tensor2D;
    const wCentred = tf.mul(w, centred) as tf.Tensor2D;
    const norm = o.normalization === 'batch' ? tf.scalar(batch) : tf.sum(tf.square(S));
    const wmse = tf.divNoNan(tf.sum(tf.mul(S, rowDot(wCentred, centred))), tf.mul(norm, 2));
    save([q, p, tf.mul(wCentred, S), norm]);
    return tf.add(tf.mul(tf.sum(ceRows), a / batch), tf.mul(wmse, b)) as tf.Scalar;
  };

  const gradients = (dy: tf.Tensor, [qProbs, pProbs, sw, norm]: tf.Tensor[]) => {
    const ceScale = tf.mul(dy, a / (T * batch));
    const gCe = tf.mul(tf.sub(qProbs!, pProbs!), ceScale);
    const needW = o.symmetric || o.referenceGradient;
    // norm is only saved when not unitRows (then N = B)
    const gW = needW ? tf.mul(sw!, norm ? tf.divNoNan(tf.mul(dy, b), norm) : tf.mul(dy, b / batch)) : undefined;
    const gTrained = o.symmetric ? tf.sub(gCe, gW!) : gCe;
    const gReference = o.referenceGradient ? gW! : tf.zerosLike(pProbs!);
    return [gReference, gTrained];
  };

  if (cw === undefined) {
    const f = scalarCustomGrad(([r, t], save) => ({
      value: body(r as tf.Tensor2D, t as tf.Tensor2D, undefined, save),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => gradients(dy, saved),
    }));
    return f(reference, trained) as tf.Scalar;
  }
  const f = scalarCustomGrad(([r, t, weights], save) => ({
    value: body(r as tf.Tensor2D, t as tf.Tensor2D, weights as tf.Tensor2D, save),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [...gradients(dy, saved), tf.zerosLike(weights!)],
  }));
  return f(reference, trained, cw) as tf.Scalar;
}
