import { ConfigError, type SeededRng } from '@dkl/core';

/** How CRD picks the positive of a row: itself (`exact`) or a random example of its class (`relax`). */
export type ContrastMode = 'exact' | 'relax';

/**
 * The contrastive indices mdistiller's `CIFAR100InstanceSample` attaches to each example: column 0
 * the positive (the example itself, or in `relax` mode a random example of its class), then `k`
 * negatives drawn uniformly from the examples of the other classes, without replacement unless
 * `k` exceeds their number. Drawn from a seeded generator per batch, so a resumed run draws the
 * same indices as an uninterrupted one.
 */
export class ContrastSampler {
  private readonly positives: Int32Array[];
  private readonly negatives: Int32Array[];
  private readonly scratch: Int32Array;

  constructor(
    readonly labels: Int32Array,
    readonly k: number,
    readonly mode: ContrastMode,
    where: string,
  ) {
    const classes = labels.reduce((m, l) => Math.max(m, l + 1), 0);
    const members: number[][] = Array.from({ length: classes }, () => []);
    labels.forEach((label, i) => members[label]!.push(i));
    this.positives = members.map((m) => Int32Array.from(m));
    // mdistiller's cls_negative[c]: the examples of every other class, class by class.
    this.negatives = this.positives.map((_, c) => {
      const out = new Int32Array(labels.length - this.positives[c]!.length);
      let at = 0;
      this.positives.forEach((own, other) => {
        if (other === c) return;
        out.set(own, at);
        at += own.length;
      });
      return out;
    });
    const emptyClass = this.negatives.findIndex((n, c) => n.length === 0 && this.positives[c]!.length > 0);
    if (emptyClass >= 0) throw new ConfigError(where, `needs examples of at least two classes to draw negatives, but every training example is of class ${emptyClass}`);
    this.scratch = new Int32Array(Math.max(...this.negatives.map((n) => n.length)));
  }

  /** `[rows.length * (k + 1)]` row-major indices for the training examples `rows`. */
  draw(rows: Int32Array, rng: SeededRng): Int32Array {
    const k = this.k;
    const out = new Int32Array(rows.length * (k + 1));
    rows.forEach((example, r) => {
      const label = this.labels[example]!;
      const base = r * (k + 1);
      const own = this.positives[label]!;
      out[base] = this.mode === 'exact' ? example : own[rng.int(own.length)]!;
      const pool = this.negatives[label]!;
      if (k > pool.length) {
        for (let j = 1; j <= k; j++) out[base + j] = pool[rng.int(pool.length)]!;
        return;
      }
      // Partial Fisher-Yates over a copy: k distinct negatives.
      const work = this.scratch.subarray(0, pool.length);
      work.set(pool);
      for (let j = 0; j < k; j++) {
        const pick = j + rng.int(pool.length - j);
        const chosen = work[pick]!;
        work[pick] = work[j]!;
        work[j] = chosen;
        out[base + 1 + j] = chosen;
      }
    });
    return out;
  }
}
