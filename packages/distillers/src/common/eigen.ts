/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations, in float64 (the small
 * Gram matrices of KDSVD: at most a feature map's width squared). Eigenvalues come sorted in
 * descending order; each eigenvector's sign is fixed so that its largest-magnitude component is
 * positive (the first one on ties), which makes the result a function of the matrix alone:
 * LAPACK's signs are an implementation detail that differs between libraries.
 */
export interface SymmetricEigen {
  /** `[n]`, descending. */
  readonly values: Float64Array;
  /** Row-major `[n, n]`: column `j` is the eigenvector of `values[j]`. */
  readonly vectors: Float64Array;
}

export function symmetricEigen(matrix: ArrayLike<number>, n: number): SymmetricEigen {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let scale = 0;
    for (let i = 0; i < n * n; i++) {
      const x = a[i]!;
      if (i % (n + 1) === 0) scale += x * x;
      else off += x * x;
    }
    if (off <= 1e-26 * scale) break; // off-diagonal mass below (1e-13)^2 of the diagonal: float64-exact for float32 use
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    let big = 0;
    for (let k = 0; k < n; k++) if (Math.abs(v[k * n + from]!) > Math.abs(v[big * n + from]!)) big = k;
    const sign = v[big * n + from]! < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vectors[k * n + to] = sign * v[k * n + from]!;
  });
  return { values, vectors };
}
