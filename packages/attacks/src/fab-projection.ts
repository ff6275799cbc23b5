/**
 * FAB's projections (fra31/auto-attack fab_projections.py `projection_linf`, `projection_l2`): the
 * smallest L-inf or L2 step d from a point t in [0, 1]^d onto the hyperplane w·z = c, staying
 * inside the box. Pure JS over one example's flattened pixels.
 *
 * With r = |c - w·t| and s its sign, the optimum (KKT) moves every coordinate towards the plane:
 * d_i = sign(s w_i) · min(λ b_i, room_i), where room_i is the distance to the box face in that
 * direction, b_i = 1 for L-inf and |w_i| for L2, and λ >= 0 solves
 *   g(λ) = Σ |w_i| · min(λ b_i, room_i) = r.
 * g is piecewise linear, increasing and concave with breakpoints room_i / b_i. The reference sorts
 * the breakpoints and searches them (d log d per projection, and FAB projects twice per example and
 * step). Here Newton's method on g finds the same root in a few linear passes: from the first
 * piece (no coordinate at its face), each pass fixes the coordinates whose breakpoint λ has passed
 * and solves that piece's linear equation exactly. On a concave increasing g the iterates climb
 * monotonically to the root and stop as soon as the set of saturated coordinates stops growing.
 * When even the whole box cannot reach the plane, every coordinate moves to its face.
 */

/** Weights below this magnitude do not move their coordinate in L2 (the reference's `w.abs() < 1e-8` mask). */
const ZERO_WEIGHT_L2 = 1e-8;

// Per-coordinate scratch, grown to the largest example seen: FAB projects hundreds of thousands of
// times per evaluation, and allocating three float64 arrays per call would dominate small inputs.
let scratchRoom = new Float64Array(0);
let scratchWeight = new Float64Array(0);
let scratchRate = new Float64Array(0);

export function projectOntoHyperplaneLinf(t: Float32Array, w: Float32Array, c: number): Float32Array {
  return projectOntoHyperplane(t, w, c, false);
}

export function projectOntoHyperplaneL2(t: Float32Array, w: Float32Array, c: number): Float32Array {
  return projectOntoHyperplane(t, w, c, true);
}

function projectOntoHyperplane(t: Float32Array, w: Float32Array, c: number, l2: boolean): Float32Array {
  const d = t.length;
  const out = new Float32Array(d);
  let wt = 0;
  for (let i = 0; i < d; i++) wt += w[i]! * t[i]!;
  const gap = c - wt;
  if (gap === 0) return out;
  const s = gap > 0 ? 1 : -1;
  const r = gap * s;

  if (scratchRoom.length < d) {
    scratchRoom = new Float64Array(d);
    scratchWeight = new Float64Array(d);
    scratchRate = new Float64Array(d);
  }
  const room = scratchRoom;
  const weight = scratchWeight; // |w_i|, 0 for a coordinate that does not move
  const rate = scratchRate; // b_i: how fast the coordinate moves with λ
  let slope = 0; // g'(0) = Σ |w_i| b_i
  for (let i = 0; i < d; i++) {
    const wi = w[i]! * s;
    const a = Math.abs(wi);
    if (l2 ? a < ZERO_WEIGHT_L2 : a === 0) {
      weight[i] = 0;
      continue;
    }
    room[i] = wi > 0 ? 1 - t[i]! : t[i]!;
    weight[i] = a;
    rate[i] = l2 ? a : 1;
    slope += a * rate[i]!;
  }
  const lambda = slope > 0 ? newtonRoot(d, room, weight, rate, r, slope) : Infinity;
  for (let i = 0; i < d; i++) {
    const a = weight[i]!;
    if (a === 0) continue;
    const move = Math.min(lambda * rate[i]!, room[i]!);
    out[i] = w[i]! * s > 0 ? move : -move;
  }
  return out;
}

/** λ with Σ weight_i min(λ rate_i, room_i) = r (Infinity when the box cannot reach r); `slope` = Σ weight_i rate_i. */
function newtonRoot(d: number, room: Float64Array, weight: Float64Array, rate: Float64Array, r: number, slope: number): number {
  let lambda = r / slope;
  let saturated = 0;
  for (;;) {
    // The linear piece at λ: coordinates at their face contribute their room, the others λ rate_i.
    let reached = 0;
    let rest = 0;
    let count = 0;
    for (let i = 0; i < d; i++) {
      const a = weight[i]!;
      if (a === 0) continue;
      if (room[i]! <= lambda * rate[i]!) {
        reached += a * room[i]!;
        count++;
      } else rest += a * rate[i]!;
    }
    if (count === saturated) return lambda; // λ solved this very piece
    saturated = count;
    if (rest === 0) return Infinity; // every coordinate is at its face and still short of (or just at) the plane
    // max: rounding must not let an iterate step back below a breakpoint it has already passed.
    lambda = Math.max(lambda, (r - reached) / rest);
  }
}
