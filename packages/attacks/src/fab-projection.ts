/**
 * The geometric core of FAB for L-inf: the smallest L-inf step from a point onto a hyperplane,
 * staying inside the box [0, 1]. Pure JS over one example's flattened pixels.
 *
 * Given t in [0, 1]^d, w and c, find d minimising ||d||_inf subject to w·(t + d) = c and
 * t + d in [0, 1]^d. With r = c - w·t >= 0 (flip w otherwise), the most a budget λ can move w·t
 * is g(λ) = Σ |w_i| · min(λ, room_i), where room_i is the distance to the box face in the
 * direction of sign(w_i). g is piecewise linear and increasing, so the optimal λ is found by
 * walking the rooms in ascending order; then d_i = sign(w_i) · min(λ, room_i). When even the
 * whole box cannot reach the plane (g(∞) < r) every coordinate moves to its face.
 */
/** Which side of the hyperplane w·z = c the point t lies on (`s`: the sign of c - w·t) and how far in w·z (`r` = |c - w·t|). */
function planeGap(t: Float32Array, w: Float32Array, c: number): { s: number; r: number } {
  let wt = 0;
  for (let i = 0; i < t.length; i++) wt += w[i]! * t[i]!;
  const gap = c - wt;
  const s = gap >= 0 ? 1 : -1;
  return { s, r: gap * s };
}

export function projectOntoHyperplaneLinf(t: Float32Array, w: Float32Array, c: number): Float32Array {
  const d = t.length;
  const { s, r } = planeGap(t, w, c);
  const out = new Float32Array(d);
  if (r === 0) return out;

  const rooms: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < d; i++) {
    const wi = w[i]! * s;
    if (wi === 0) continue;
    rooms.push(wi > 0 ? 1 - t[i]! : t[i]!);
    weights.push(Math.abs(wi));
  }
  const order = rooms.map((_, i) => i).sort((a, b) => rooms[a]! - rooms[b]!);
  let remainingWeight = weights.reduce((acc, v) => acc + v, 0);
  let reached = 0; // g at the previous breakpoint
  let previousRoom = 0;
  let lambda = Infinity;
  for (const i of order) {
    const room = rooms[i]!;
    const atRoom = reached + remainingWeight * (room - previousRoom);
    if (atRoom >= r) {
      lambda = previousRoom + (r - reached) / remainingWeight;
      break;
    }
    reached = atRoom;
    previousRoom = room;
    remainingWeight -= weights[i]!;
  }
  for (let i = 0; i < d; i++) {
    const wi = w[i]! * s;
    if (wi === 0) continue;
    const room = wi > 0 ? 1 - t[i]! : t[i]!;
    const move = Math.min(lambda, room);
    out[i] = wi > 0 ? move : -move;
  }
  return out;
}

/** Weights below this magnitude do not move their coordinate (the reference's `w.abs() < 1e-8` mask). */
const ZERO_WEIGHT = 1e-8;

/**
 * FAB's L2 projection (the reference's `projection_l2` in autoattack/fab_projections.py): the
 * smallest L2 step d from t onto the hyperplane w·z = c inside the box [0, 1].
 *
 * The optimum (KKT) is d_i = sign(w_i) · min(λ |w_i|, room_i) for one λ >= 0, with room_i the
 * distance to the box face in the direction that moves w·t towards c; g(λ) = Σ |w_i| min(λ |w_i|,
 * room_i) is piecewise linear and increasing with breakpoints room_i / |w_i|. The reference
 * finds the segment by bisection over the sorted breakpoints; walking them in order gives the same
 * λ. When the whole box cannot reach the plane, every coordinate moves to its face (the
 * reference's `c3` case); when no coordinate saturates, d = λ w (its `c4` case).
 */
export function projectOntoHyperplaneL2(t: Float32Array, w: Float32Array, c: number): Float32Array {
  const d = t.length;
  const { s, r } = planeGap(t, w, c);
  const out = new Float32Array(d);
  if (r === 0) return out;

  const active: number[] = [];
  const breakpoints: number[] = [];
  for (let i = 0; i < d; i++) {
    const wi = w[i]! * s;
    if (Math.abs(wi) < ZERO_WEIGHT) continue;
    const room = wi > 0 ? 1 - t[i]! : t[i]!;
    active.push(i);
    breakpoints.push(room / Math.abs(wi));
  }
  const order = breakpoints.map((_, k) => k).sort((a, b) => breakpoints[a]! - breakpoints[b]!);
  let slope = 0; // Σ w_i² over the coordinates not yet at their face
  for (const i of active) slope += w[i]! * w[i]!;
  let reached = 0;
  let previous = 0;
  let lambda = Infinity;
  for (const k of order) {
    const bp = breakpoints[k]!;
    const atBreakpoint = reached + slope * (bp - previous);
    if (atBreakpoint >= r && slope > 0) {
      lambda = previous + (r - reached) / slope;
      break;
    }
    reached = atBreakpoint;
    previous = bp;
    const wi = w[active[k]!]!;
    slope -= wi * wi;
  }
  for (const i of active) {
    const wi = w[i]! * s;
    const room = wi > 0 ? 1 - t[i]! : t[i]!;
    const move = Math.min(lambda * Math.abs(wi), room);
    out[i] = wi > 0 ? move : -move;
  }
  return out;
}
