import { describe, expect, it } from 'vitest';
import { SeededRng } from '@dkl/core';
import { symmetricEigen } from '../src/common/eigen.js';

describe('symmetricEigen (Jacobi)', () => {
  it.each([1, 2, 5, 17, 32])('n = %i: A V = V diag(values), V orthonormal, values descending, signs fixed', (n) => {
    const rng = new SeededRng(`eigen-${n}`);
    // A Gram matrix X^T X, as KDSVD builds them.
    const m = n + 3;
    const x = Array.from({ length: m * n }, () => rng.uniform(-1, 1));
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < m; k++) a[i * n + j] += x[k * n + i]! * x[k * n + j]!;
    const { values, vectors } = symmetricEigen(a, n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let av = 0;
        let vtv = 0;
        for (let k = 0; k < n; k++) {
          av += a[i * n + k]! * vectors[k * n + j]!;
          vtv += vectors[k * n + i]! * vectors[k * n + j]!;
        }
        worst = Math.max(worst, Math.abs(av - vectors[i * n + j]! * values[j]!), Math.abs(vtv - (i === j ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-10);
    for (let j = 1; j < n; j++) expect(values[j]!).toBeLessThanOrEqual(values[j - 1]!);
    for (let j = 0; j < n; j++) {
      const column = Array.from({ length: n }, (_, k) => vectors[k * n + j]!);
      const big = column.reduce((b, v, k) => (Math.abs(v) > Math.abs(column[b]!) ? k : b), 0);
      expect(column[big]!).toBeGreaterThan(0);
    }
  });
});
