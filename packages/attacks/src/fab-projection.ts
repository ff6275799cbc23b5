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
export function projectOntoHyperplaneLinf(t: Float32Array, w: Float32Array, c: number): Float32Array {
  const d = t.length;
  let wt = 0;
  for (let i = 0; i < d; i++) wt += w[i]! * t[i]!;
  let r = c - wt;
  const s = r >= 0 ? 1 : -1;
  r *= s;
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
