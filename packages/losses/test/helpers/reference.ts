/**
 * Float64 reference implementations on plain JS arrays, independent of tfjs. Values follow the
 * definitions literally (the wMSE uses the O(C^2) pair sum); gradients are the hand-derived
 * formulas, themselves checked against central finite differences in reference.test.ts.
 */
export type Matrix = number[][];

/** Up to this many classes the wMSE reference uses the literal O(C^2) pair sum. */
export const PAIRWISE_MAX_C = 100;

export interface RefResult {
  value: number;
  /** One gradient matrix per differentiable input, in argument order. */
  grads: Matrix[];
  /**
   * Conditioning scale of `value`: the magnitude of the largest terms whose sum or difference
   * forms it (e.g. the two cross-entropies whose difference is a KL). Float32 cannot resolve the
   * result better than a few units of roundoff of this scale.
   */
  valueScale: number;
  /** Conditioning scale of each gradient entry, same layout as `grads`. */
  gradScales: Matrix[];
}

export function logSoftmax(row: readonly number[], temperature = 1): number[] {
  const z = row.map((x) => x / temperature);
  const m = Math.max(...z);
  let s = 0;
  for (const v of z) s += Math.exp(v - m);
  const lse = m + Math.log(s);
  return z.map((v) => v - lse);
}

export function softmax(row: readonly number[], temperature = 1): number[] {
  return logSoftmax(row, temperature).map(Math.exp);
}

const zerosLike = (x: Matrix): Matrix => x.map((r) => r.map(() => 0));

/**
 * Conditioning of a probability computed as exp(log p): its float32 relative error is about
 * roundoff times |log p| (the error of the exponent), hence p (1 + |log p|).
 */
const pScale = (logP: number): number => Math.exp(logP) * (1 + Math.abs(logP));

/** Cross-entropy against hard labels or soft target rows; smoothing as `(1 - s) t + s (1 - t) / (C - 1)`. */
export function crossEntropyRef(logits: Matrix, labels: number[] | Matrix, smoothing = 0): RefResult {
  const B = logits.length;
  const C = logits[0]!.length;
  const target = (b: number, j: number): number => {
    const t = typeof labels[b] === 'number' ? (j === labels[b] ? 1 : 0) : (labels[b] as number[])[j]!;
    return (1 - smoothing) * t + (smoothing * (1 - t)) / (C - 1);
  };
  let value = 0;
  let valueScale = 0;
  const scale: Matrix = [];
  const grad = logits.map((row, b) => {
    const lq = logSoftmax(row);
    scale.push(row.map((_, j) => Math.max(pScale(lq[j]!), target(b, j)) / B));
    valueScale += row.reduce((acc, _, j) => acc + target(b, j) * (1 + Math.abs(lq[j]!)), 0) / B;
    return row.map((_, j) => {
      value -= (target(b, j) * lq[j]!) / B;
      return (Math.exp(lq[j]!) - target(b, j)) / B;
    });
  });
  return { value, grads: [grad], valueScale, gradScales: [scale] };
}

export function kdRef(student: Matrix, teacher: Matrix, T: number): RefResult {
  const B = student.length;
  let value = 0;
  let valueScale = 0;
  const scale: Matrix = [];
  const grad = student.map((row, b) => {
    const lq = logSoftmax(row, T);
    const lp = logSoftmax(teacher[b]!, T);
    scale.push(row.map((_, j) => (T * Math.max(pScale(lq[j]!), pScale(lp[j]!))) / B));
    return row.map((_, j) => {
      const p = Math.exp(lp[j]!);
      value += ((T * T) / B) * p * (lp[j]! - lq[j]!);
      valueScale += ((T * T) / B) * p * (1 + Math.abs(lp[j]!) + Math.abs(lq[j]!));
      return (T * (Math.exp(lq[j]!) - p)) / B;
    });
  });
  return { value, grads: [grad, zerosLike(teacher)], valueScale, gradScales: [scale, zerosLike(teacher)] };
}

export function tradesRef(natural: Matrix, adversarial: Matrix): RefResult {
  const B = natural.length;
  let value = 0;
  let valueScale = 0;
  const gN: Matrix = [];
  const gA: Matrix = [];
  const sN: Matrix = [];
  const sA: Matrix = [];
  natural.forEach((row, b) => {
    const lp = logSoftmax(row);
    const lq = logSoftmax(adversarial[b]!);
    const p = lp.map(Math.exp);
    const delta = lp.map((v, j) => v - lq[j]!);
    const kl = p.reduce((acc, pj, j) => acc + pj * delta[j]!, 0);
    value += kl / B;
    valueScale += p.reduce((acc, pj, j) => acc + pj * (1 + Math.abs(lp[j]!) + Math.abs(lq[j]!)), 0) / B;
    gN.push(p.map((pj, j) => (pj * (delta[j]! - kl)) / B));
    gA.push(lq.map((v, j) => (Math.exp(v) - p[j]!) / B));
    // delta_j - KL subtracts numbers of size |log p| + |log q|
    const big = p.reduce((acc, pj, j) => acc + pj * (Math.abs(lp[j]!) + Math.abs(lq[j]!)), 0);
    sN.push(p.map((_, j) => (pScale(lp[j]!) * (Math.abs(lp[j]!) + Math.abs(lq[j]!) + big)) / B));
    sA.push(lq.map((v, j) => Math.max(pScale(v), pScale(lp[j]!)) / B));
  });
  return { value, grads: [gN, gA], valueScale, gradScales: [sN, sA] };
}

export interface DecoupledRefOptions {
  temperature: number;
  softLabelWeight: number;
  wmseWeight: number;
  weightTemperature: number;
  gamma: number;
  normalization: 'batch' | 'weights';
  symmetric: boolean;
  referenceGradient: boolean;
  classWeights?: Matrix;
}

/** The weights w_b of the reference: prior rows or softmax(r / T2), raised to gamma. */
export function refWeights(reference: Matrix, o: DecoupledRefOptions): Matrix {
  return reference.map((row, b) => {
    const base = o.classWeights ? o.classWeights[b]! : softmax(row, o.weightTemperature);
    return base.map((w) => Math.pow(w, o.gamma));
  });
}

/**
 * Value with the stop-gradient quantities (weights, soft label) optionally frozen at given
 * values, so finite differences of this function give exactly the intended gradients.
 */
export function decoupledValue(reference: Matrix, trained: Matrix, o: DecoupledRefOptions, frozen?: { w: Matrix; p: Matrix }): number {
  const B = reference.length;
  const C = reference[0]!.length;
  const w = frozen?.w ?? refWeights(reference, o);
  let ce = 0;
  let pairs = 0;
  let norm = 0;
  for (let b = 0; b < B; b++) {
    const p = frozen?.p[b] ?? softmax(reference[b]!, o.temperature);
    const lq = logSoftmax(trained[b]!, o.temperature);
    for (let j = 0; j < C; j++) ce -= (p[j]! * lq[j]!) / B;
    const r = reference[b]!;
    const t = trained[b]!;
    const wb = w[b]!;
    let s = 0;
    if (C <= PAIRWISE_MAX_C) {
      for (let j = 0; j < C; j++) {
        s += wb[j]!;
        for (let k = 0; k < C; k++) {
          const diff = r[j]! - r[k]! - (t[j]! - t[k]!);
          pairs += wb[j]! * wb[k]! * diff * diff;
        }
      }
    } else {
      // Expanded (not centred) identity 2 S sum(w d^2) - 2 (sum w d)^2 in float64, checked against
      // the pair sum in reference.test.ts; keeps the C = 1000 grid fast.
      let q = 0;
      let l = 0;
      for (let j = 0; j < C; j++) {
        const dj = r[j]! - t[j]!;
        s += wb[j]!;
        q += wb[j]! * dj * dj;
        l += wb[j]! * dj;
      }
      pairs += 2 * s * q - 2 * l * l;
    }
    norm += s * s;
  }
  const N = o.normalization === 'batch' ? B : norm;
  const wmse = N === 0 ? 0 : pairs / (4 * N);
  return o.softLabelWeight * ce + o.wmseWeight * wmse;
}

export function decoupledRef(reference: Matrix, trained: Matrix, o: DecoupledRefOptions): RefResult {
  const B = reference.length;
  const C = reference[0]!.length;
  const w = refWeights(reference, o);
  const N = o.normalization === 'batch' ? B : w.reduce((acc, wb) => acc + wb.reduce((x, y) => x + y, 0) ** 2, 0);
  const gR: Matrix = [];
  const gT: Matrix = [];
  const sR: Matrix = [];
  const sT: Matrix = [];
  let valueScale = 0;
  for (let b = 0; b < B; b++) {
    const p = softmax(reference[b]!, o.temperature);
    const q = softmax(trained[b]!, o.temperature);
    const lq = logSoftmax(trained[b]!, o.temperature);
    const lp = logSoftmax(reference[b]!, o.temperature);
    const d = reference[b]!.map((v, j) => v - trained[b]![j]!);
    const wb = w[b]!;
    const S = wb.reduce((x, y) => x + y, 0);
    // d_j - m subtracts numbers of size |d_j| and max|d| (the weighted mean of d)
    const dMax = Math.max(...d.map(Math.abs));
    const wScale = wb.map((wi, i) => (N === 0 ? 0 : (o.wmseWeight * S * wi * (Math.abs(d[i]!) + dMax)) / N));
    sR.push(wScale.map((v) => (o.referenceGradient ? v : 0)));
    sT.push(q.map((_, i) => (o.softLabelWeight * Math.max(pScale(lq[i]!), pScale(lp[i]!))) / (o.temperature * B) + (o.symmetric ? wScale[i]! : 0)));
    valueScale += (o.softLabelWeight * p.reduce((acc, pj, j) => acc + pj * (1 + Math.abs(lq[j]!)), 0)) / B;
    valueScale += N === 0 ? 0 : (o.wmseWeight * S * wb.reduce((acc, wj, j) => acc + wj * (d[j]! * d[j]! + dMax * dMax), 0)) / (2 * N);
    // d wMSE / d d_i = (1/N) sum_k w_i w_k (d_i - d_k)  (pairwise form, O(C^2))
    const L = wb.reduce((acc, wk, k) => acc + wk * d[k]!, 0);
    const gd = d.map((di, i) => {
      let acc = 0;
      if (C <= PAIRWISE_MAX_C) for (let k = 0; k < C; k++) acc += wb[i]! * wb[k]! * (di - d[k]!);
      else acc = wb[i]! * (S * di - L); // same sum, expanded
      return N === 0 ? 0 : (o.wmseWeight * acc) / N;
    });
    gR.push(gd.map((g) => (o.referenceGradient ? g : 0)));
    gT.push(q.map((qi, i) => (o.softLabelWeight * (qi - p[i]!)) / (o.temperature * B) - (o.symmetric ? gd[i]! : 0)));
  }
  return { value: decoupledValue(reference, trained, o), grads: [gR, gT], valueScale, gradScales: [sR, sT] };
}

/** DKD from its definition: probabilities in float64 via log-domain sums. */
export function dkdValue(student: Matrix, teacher: Matrix, labels: number[], alpha: number, beta: number, T: number): number {
  const B = student.length;
  let total = 0;
  for (let b = 0; b < B; b++) {
    const g = labels[b]!;
    const ls = logSoftmax(student[b]!, T);
    const lt = logSoftmax(teacher[b]!, T);
    const logRest = (l: number[]) => {
      const others = l.filter((_, j) => j !== g);
      const m = Math.max(...others);
      return m + Math.log(others.reduce((acc, v) => acc + Math.exp(v - m), 0));
    };
    const sRest = logRest(ls);
    const tRest = logRest(lt);
    const tckd = Math.exp(lt[g]!) * (lt[g]! - ls[g]!) + Math.exp(tRest) * (tRest - sRest);
    let nckd = 0;
    for (let j = 0; j < ls.length; j++) {
      if (j === g) continue;
      const lph = lt[j]! - tRest;
      const lqh = ls[j]! - sRest;
      nckd += Math.exp(lph) * (lph - lqh);
    }
    total += alpha * tckd + beta * nckd;
  }
  return (total * T * T) / B;
}

export function dkdRef(student: Matrix, teacher: Matrix, labels: number[], alpha: number, beta: number, T: number): RefResult {
  const B = student.length;
  const scales: Matrix = [];
  let valueScale = 0;
  const grad = student.map((row, b) => {
    const g = labels[b]!;
    const ls = logSoftmax(row, T);
    const lt = logSoftmax(teacher[b]!, T);
    {
      const top = Math.max(pScale(ls[g]!), pScale(lt[g]!));
      // every KL term p (|log p| + |log q|), T^2/B
      const lqh = logSoftmax(row.filter((_, j) => j !== g), T);
      const lph = logSoftmax(teacher[b]!.filter((_, j) => j !== g), T);
      scales.push(row.map((_, j) => {
        if (j === g) return (alpha * top * T) / B;
        const k = j < g ? j : j - 1;
        return ((beta * Math.max(pScale(lqh[k]!), pScale(lph[k]!)) + alpha * top * pScale(lqh[k]!)) * T) / B;
      }));
      const lse = (l: number[]) => {
        const others = l.filter((_, j) => j !== g);
        const m = Math.max(...others);
        return m + Math.log(others.reduce((acc, v) => acc + Math.exp(v - m), 0));
      };
      const tR = lse(lt);
      const sR = lse(ls);
      const tckdScale = Math.exp(lt[g]!) * (1 + Math.abs(lt[g]!) + Math.abs(ls[g]!)) + Math.exp(tR) * (1 + Math.abs(tR) + Math.abs(sR));
      const nckdScale = lph.reduce((acc, v, k) => acc + Math.exp(v) * (1 + Math.abs(v) + Math.abs(lqh[k]!)), 0);
      valueScale += ((T * T) / B) * (alpha * tckdScale + beta * nckdScale);
    }
    // non-target distributions computed directly (1 - q_g would cancel when q_g ~ 1)
    const qh = softmax(row.filter((_, j) => j !== g), T);
    const ph = softmax(teacher[b]!.filter((_, j) => j !== g), T);
    const gap = Math.exp(ls[g]!) - Math.exp(lt[g]!);
    return row.map((_, j) => {
      if (j === g) return (alpha * gap * T) / B;
      const k = j < g ? j : j - 1;
      return ((beta * (qh[k]! - ph[k]!) - alpha * gap * qh[k]!) * T) / B;
    });
  });
  return { value: dkdValue(student, teacher, labels, alpha, beta, T), grads: [grad, zerosLike(teacher)], valueScale, gradScales: [scales, zerosLike(teacher)] };
}

/** Central finite differences of `f` with respect to `x` (float64). */
export function finiteDifference(f: (x: Matrix) => number, x: Matrix, h = 1e-6): Matrix {
  return x.map((row, b) =>
    row.map((v, j) => {
      const plus = x.map((r) => r.slice());
      const minus = x.map((r) => r.slice());
      plus[b]![j] = v + h;
      minus[b]![j] = v - h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}
