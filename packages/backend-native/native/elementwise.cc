// OpenMP elementwise kernels: broadcasting binary ops, a few unary ops,
// reductions over one contiguous axis range, and batch-norm inference.
// All pointers are used only inside the call.

#include "common.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace dkl {

namespace {

// Below this many elements a parallel region costs more than it saves.
constexpr int64_t kParallelMin = 1 << 15;

inline float nanAware(float a, float b, bool wantMax) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<float>::quiet_NaN();
  return wantMax ? (a > b ? a : b) : (a < b ? a : b);
}

struct OpAdd { static float f(float a, float b) { return a + b; } };
struct OpSub { static float f(float a, float b) { return a - b; } };
struct OpMul { static float f(float a, float b) { return a * b; } };
struct OpDiv { static float f(float a, float b) { return a / b; } };
struct OpMax { static float f(float a, float b) { return nanAware(a, b, true); } };
struct OpMin { static float f(float a, float b) { return nanAware(a, b, false); } };
struct OpSqDiff { static float f(float a, float b) { const float d = a - b; return d * d; } };
// ReLU's gradient dy * step(x), NaN in x propagating as in tfjs; branch-free so
// it vectorises (random signs would defeat a branch predictor).
inline float reluGrad(float dy, float x) {
  const float r = dy * static_cast<float>(x > 0.f);
  return x != x ? x : r;
}
struct OpReluGrad { static float f(float a, float b) { return reluGrad(a, b); } };

template <typename Op>
inline void runSpan(const float *a, const float *b, float *o, int64_t len, int64_t sa, int64_t sb) {
  if (sa == 1 && sb == 1) {
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) o[i] = Op::f(a[i], b[i]);
  } else if (sa == 1) {
    const float bv = b[0];
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) o[i] = Op::f(a[i], bv);
  } else if (sb == 1) {
    const float av = a[0];
#pragma omp simd
    for (int64_t i = 0; i < len; ++i) o[i] = Op::f(av, b[i]);
  } else {
    const float v = Op::f(a[0], b[0]);
    for (int64_t i = 0; i < len; ++i) o[i] = v;
  }
}

// shape block: [rank, dims[rank], aStrides[rank], bStrides[rank]] where the
// innermost stride of each input is 0 (broadcast) or 1.
template <typename Op>
void binaryImpl(const float *a, const float *b, float *o, const int32_t *shape) {
  const int rank = shape[0];
  const int32_t *dims = shape + 1, *sa = shape + 1 + rank, *sb = shape + 1 + 2 * rank;
  int64_t total = 1;
  for (int d = 0; d < rank; ++d) total *= dims[d];
  if (total == 0) return;
  const int64_t inner = dims[rank - 1];
  const int64_t rows = total / inner;
  const int64_t isa = sa[rank - 1], isb = sb[rank - 1];
  // Rows are split across threads; inside a chunk an odometer walks the outer
  // indices so no division happens per row. One long row is split in spans.
  const int64_t span = rows == 1 ? std::max<int64_t>(4096, inner / 64) : inner;
  const int64_t spansPerRow = (inner + span - 1) / span;
  const int64_t units = rows * spansPerRow;
#pragma omp parallel if (total >= kParallelMin)
  {
    const int nt = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t u0 = units * t / nt, u1 = units * (t + 1) / nt;
    if (u1 > u0) {
      int64_t row = u0 / spansPerRow;
      int64_t idx[8] = {0};
      int64_t ao = 0, bo = 0;
      {
        int64_t r = row;
        for (int d = rank - 2; d >= 0; --d) {
          idx[d] = r % dims[d];
          r /= dims[d];
          ao += idx[d] * sa[d];
          bo += idx[d] * sb[d];
        }
      }
      int64_t part = u0 % spansPerRow;
      for (int64_t u = u0; u < u1; ++u) {
        const int64_t col = part * span;
        const int64_t len = std::min(span, inner - col);
        runSpan<Op>(a + ao + col * isa, b + bo + col * isb, o + row * inner + col, len, isa, isb);
        if (++part == spansPerRow) {
          part = 0;
          ++row;
          for (int d = rank - 2; d >= 0; --d) {
            ao += sa[d];
            bo += sb[d];
            if (++idx[d] < dims[d]) break;
            ao -= sa[d] * dims[d];
            bo -= sb[d] * dims[d];
            idx[d] = 0;
          }
        }
      }
    }
  }
}

// The shape block argument `i`: [rank, then `perDim` ints per dimension], rank 1 to 8.
Napi::Int32Array shapeArg(const Napi::CallbackInfo &info, size_t i, int perDim) {
  auto shape = i32(info, i, "shape", 1);
  const int rank = shape[0];
  if (rank < 1 || rank > 8 || shape.ElementLength() < static_cast<size_t>(1 + perDim * rank)) {
    throw std::invalid_argument("argument 'shape' is malformed");
  }
  return shape;
}

// binary(op, a, b, out, shape Int32Array)
Napi::Value Binary(const Napi::CallbackInfo &info) {
  const int op = info[0].As<Napi::Number>().Int32Value();
  auto [a, b, o] = f32Args(info, 1, {"a", "b", "out"});
  auto shape = shapeArg(info, 4, 3);
  const int rank = shape[0];
  int64_t total = 1, aNeed = 1, bNeed = 1;
  for (int d = 0; d < rank; ++d) {
    const int64_t n = shape[1 + d];
    total *= n;
    if (n > 0) {
      aNeed += (n - 1) * shape[1 + rank + d];
      bNeed += (n - 1) * shape[1 + 2 * rank + d];
    }
  }
  checkLen(o, total, "out");
  checkLen(a, aNeed, "a");
  checkLen(b, bNeed, "b");
  const int32_t *s = shape.Data();
  switch (op) {
    case 0: binaryImpl<OpAdd>(a.Data(), b.Data(), o.Data(), s); break;
    case 1: binaryImpl<OpSub>(a.Data(), b.Data(), o.Data(), s); break;
    case 2: binaryImpl<OpMul>(a.Data(), b.Data(), o.Data(), s); break;
    case 3: binaryImpl<OpDiv>(a.Data(), b.Data(), o.Data(), s); break;
    case 4: binaryImpl<OpMax>(a.Data(), b.Data(), o.Data(), s); break;
    case 5: binaryImpl<OpMin>(a.Data(), b.Data(), o.Data(), s); break;
    case 6: binaryImpl<OpSqDiff>(a.Data(), b.Data(), o.Data(), s); break;
    case 7: binaryImpl<OpReluGrad>(a.Data(), b.Data(), o.Data(), s); break;
    default: throw std::invalid_argument("unknown binary op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

// unary(op, x, out, alpha[, beta]): 0 relu, 1 step(alpha), 2 neg, 3 square, 4 sqrt,
// 5 rsqrt, 6 exp, 7 log, 8 abs, 9 relu6, 10 sign (NaN -> 0, as tfjs' cpu kernel),
// 11 clip to [alpha, beta]. NaN propagates as in tfjs otherwise.
Napi::Value Unary(const Napi::CallbackInfo &info) {
  const int op = info[0].As<Napi::Number>().Int32Value();
  auto x = f32(info, 1, "x");
  auto o = f32(info, 2, "out");
  const float alpha = static_cast<float>(info[3].As<Napi::Number>().DoubleValue());
  const float beta = info.Length() > 4 ? static_cast<float>(info[4].As<Napi::Number>().DoubleValue()) : 0.f;
  const int64_t n = x.ElementLength();
  checkLen(o, n, "out");
  const float *xp = x.Data();
  float *op_ = o.Data();
  const float nan = std::numeric_limits<float>::quiet_NaN();
#define DKL_UNARY(EXPR)                                               \
  _Pragma("omp parallel for simd schedule(static) if (n >= kParallelMin)") \
  for (int64_t i = 0; i < n; ++i) { const float v = xp[i]; op_[i] = (EXPR); }
  switch (op) {
    case 0: DKL_UNARY(std::isnan(v) ? v : (v > 0.f ? v : 0.f)) break;
    case 1: DKL_UNARY(std::isnan(v) ? nan : (v > 0.f ? 1.f : alpha)) break;
    case 2: DKL_UNARY(-v) break;
    case 3: DKL_UNARY(v * v) break;
    case 4: DKL_UNARY(std::sqrt(v)) break;
    case 5: DKL_UNARY(1.f / std::sqrt(v)) break;
    case 6: DKL_UNARY(std::exp(v)) break;
    case 7: DKL_UNARY(std::log(v)) break;
    case 8: DKL_UNARY(std::fabs(v)) break;
    case 9: DKL_UNARY(std::isnan(v) ? v : std::min(6.f, std::max(0.f, v))) break;
    case 10: DKL_UNARY(v < 0.f ? -1.f : (v > 0.f ? 1.f : 0.f)) break;
    // tfjs compares with the bounds as doubles and stores them rounded to float: the same as
    // comparing with the rounded bounds (no float lies strictly between a bound and its rounding).
    case 11: DKL_UNARY(v > beta ? beta : (v < alpha ? alpha : v)) break;
    default: throw std::invalid_argument("unknown unary op " + std::to_string(op));
  }
#undef DKL_UNARY
  return info.Env().Undefined();
}

// Reduces rows k0 .. k1 - 1 (k1 > k0) of `inner` floats at `base` into acc:
// sums (ops 0, 1) in double, or max / min (ops 2, 3) with NaN winning as in
// tfjs. The op is chosen per row, outside the vectorisable loops.
inline void reduceRows(const float *base, int64_t k0, int64_t k1, int64_t inner, int op, double *acc) {
  for (int64_t j = 0; j < inner; ++j) acc[j] = base[k0 * inner + j];
  for (int64_t k = k0 + 1; k < k1; ++k) {
    const float *row = base + k * inner;
    if (op <= 1) {
      for (int64_t j = 0; j < inner; ++j) acc[j] += row[j];
    } else if (op == 2) {
      for (int64_t j = 0; j < inner; ++j) acc[j] = (std::isnan(row[j]) || row[j] > acc[j]) ? row[j] : acc[j];
    } else {
      for (int64_t j = 0; j < inner; ++j) acc[j] = (std::isnan(row[j]) || row[j] < acc[j]) ? row[j] : acc[j];
    }
  }
}

// reduce(op, x, out, outer, r, inner): x viewed as [outer, r, inner], out as
// [outer, inner]. op 0 sum, 1 mean, 2 max, 3 min. Sums accumulate in double,
// like the JS number accumulator of the cpu backend.
Napi::Value Reduce(const Napi::CallbackInfo &info) {
  const int op = info[0].As<Napi::Number>().Int32Value();
  auto x = f32(info, 1, "x");
  auto o = f32(info, 2, "out");
  const int64_t outer = info[3].As<Napi::Number>().Int64Value();
  const int64_t r = info[4].As<Napi::Number>().Int64Value();
  const int64_t inner = info[5].As<Napi::Number>().Int64Value();
  if (op < 0 || op > 3) throw std::invalid_argument("unknown reduce op " + std::to_string(op));
  if (r < 1) throw std::invalid_argument("reduce over an empty axis");
  checkLen(x, outer * r * inner, "x");
  checkLen(o, outer * inner, "out");
  const float *xp = x.Data();
  float *out = o.Data();
  const bool isSum = op <= 1;
  const double scale = op == 1 ? 1.0 / static_cast<double>(r) : 1.0;
  const int threads = omp_get_max_threads();
  const bool big = outer * r * inner >= kParallelMin;
  if (outer >= threads || !big || threads == 1) {
    // Parallel over the kept outer rows.
#pragma omp parallel if (big)
    {
      std::vector<double> acc(inner);
#pragma omp for schedule(static)
      for (int64_t q = 0; q < outer; ++q) {
        reduceRows(xp + q * r * inner, 0, r, inner, op, acc.data());
        for (int64_t j = 0; j < inner; ++j) out[q * inner + j] = static_cast<float>(acc[j] * scale);
      }
    }
    return info.Env().Undefined();
  }
  // Few outer rows: split the reduced axis across threads and combine.
  for (int64_t q = 0; q < outer; ++q) {
    const float *base = xp + q * r * inner;
    std::vector<double> partial(static_cast<size_t>(threads) * inner);
    std::vector<char> seen(threads, 0);
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num();
      const int nt = omp_get_num_threads();
      const int64_t k0 = r * t / nt, k1 = r * (t + 1) / nt;
      double *acc = partial.data() + static_cast<size_t>(t) * inner;
      if (k1 > k0) {
        seen[t] = 1;
        reduceRows(base, k0, k1, inner, op, acc);
      }
    }
    for (int64_t j = 0; j < inner; ++j) {
      double v = 0;
      bool first = true;
      for (int t = 0; t < threads; ++t) {
        if (!seen[t]) continue;
        const double pv = partial[static_cast<size_t>(t) * inner + j];
        if (first) { v = pv; first = false; continue; }
        if (isSum) v += pv;
        else if (op == 2) v = (std::isnan(pv) || pv > v) ? pv : v;
        else v = (std::isnan(pv) || pv < v) ? pv : v;
      }
      out[q * inner + j] = static_cast<float>(v * scale);
    }
  }
  return info.Env().Undefined();
}

// The per-channel view of an activation for batch-norm: rows of `width`
// consecutive channels starting at channel `offset(row)`. NHWC is rows of all
// c channels; the blocked nChwBc layouts are rows of B channels, where row r
// belongs to the channel block (r / hw) % (c / B).
struct ChannelRows {
  int64_t c, width, rows, hw, blocks;
  ChannelRows(int64_t n, int64_t c, int block, int64_t hw)
      : c(c), width(block == 0 ? c : block), rows(0), hw(hw), blocks(block == 0 ? 1 : c / block) {
    if (c < 1 || n % c != 0 || n == 0) throw std::invalid_argument("x size is not a positive multiple of the channel count");
    if (block != 0 && (block < 0 || c % block != 0 || hw < 1 || n % (hw * c) != 0)) {
      throw std::invalid_argument("blocked layout: channels must be a multiple of the block and x a multiple of hw * c");
    }
    rows = n / width;
  }
  int64_t offset(int64_t r) const { return blocks == 1 ? 0 : ((r / hw) % blocks) * width; }
};

int layoutArg(const Napi::CallbackInfo &info, size_t i) {
  return info.Length() > i && info[i].IsNumber() ? info[i].As<Napi::Number>().Int32Value() : 0;
}

// The arguments every batch-norm entry point takes after its buffers, from `i`
// on: the channel count, eps, then the layout code and H * W of an activation
// of n elements, whose channel rows this is.
struct BnArgs : ChannelRows {
  double eps;
  BnArgs(const Napi::CallbackInfo &info, size_t i, int64_t n)
      : ChannelRows(n, info[i].As<Napi::Number>().Int64Value(), layoutArg(info, i + 2), layoutArg(info, i + 3)),
        eps(info[i + 1].As<Napi::Number>().DoubleValue()) {}
  // sqrt(variance + eps) in double, the divisor of every normalisation.
  double stdDev(double variance) const { return std::sqrt(variance + eps); }
};

// y = (x - m) * k + b per channel over the rows of `v`, then max(y, 0) when
// relu (NaN kept, as tfjs' relu does); subtracting first keeps the rounding
// close to the cpu kernel's.
void channelAffine(const ChannelRows &v, const float *xp, const float *m, const float *k, const float *b, float *yp,
                   bool relu) {
  const int64_t w = v.width;
#pragma omp parallel for schedule(static) if (v.rows * w >= kParallelMin)
  for (int64_t r = 0; r < v.rows; ++r) {
    const int64_t o = v.offset(r);
    const float *xr = xp + r * w, *mp = m + o, *kp = k + o, *bp = b + o;
    float *yr = yp + r * w;
    if (relu) {
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) {
        const float t = (xr[j] - mp[j]) * kp[j] + bp[j];
        yr[j] = t > 0.f ? t : (t != t ? t : 0.f);
      }
    } else {
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) yr[j] = (xr[j] - mp[j]) * kp[j] + bp[j];
    }
  }
}

// batchNorm(x, mean, variance, offset | null, scale | null, out, channels, eps, layout = 0, hw,
// relu = false): y = (x - mean) * scale / sqrt(variance + eps) + offset per
// channel of x (NHWC, or nChwBc with B = layout and hw = H * W), in x's layout,
// then max(y, 0) when relu (NaN kept); every parameter has either 1 or
// `channels` elements.
Napi::Value BatchNorm(const Napi::CallbackInfo &info) {
  auto [x, mean, var] = f32Args(info, 0, {"x", "mean", "variance"});
  const bool hasOffset = !info[3].IsNull() && !info[3].IsUndefined();
  const bool hasScale = !info[4].IsNull() && !info[4].IsUndefined();
  Napi::Float32Array offset = hasOffset ? f32(info, 3, "offset") : Napi::Float32Array();
  Napi::Float32Array scale = hasScale ? f32(info, 4, "scale") : Napi::Float32Array();
  auto o = f32(info, 5, "out");
  const int64_t n = x.ElementLength();
  if (n == 0) return info.Env().Undefined();
  const BnArgs bn(info, 6, n);
  const int64_t c = bn.c;
  const bool relu = info.Length() > 10 && info[10].ToBoolean();
  checkLen(o, n, "out");
  auto at = [c](const Napi::Float32Array &a, int64_t j, const char *name) -> float {
    const size_t len = a.ElementLength();
    if (len != 1 && len != static_cast<size_t>(c)) {
      throw std::invalid_argument(std::string("parameter '") + name + "' must have 1 or channel-count elements");
    }
    return a.Data()[len == 1 ? 0 : j];
  };
  // Per-channel constants once: y = (x - m) * k + b (subtracting first keeps
  // the rounding close to the cpu kernel's).
  std::vector<float> m(c), k(c), b(c);
  for (int64_t j = 0; j < c; ++j) {
    const double s = hasScale ? at(scale, j, "scale") : 1.0;
    m[j] = at(mean, j, "mean");
    k[j] = static_cast<float>(s / bn.stdDev(at(var, j, "variance")));
    b[j] = hasOffset ? at(offset, j, "offset") : 0.f;
  }
  channelAffine(bn, x.Data(), m.data(), k.data(), b.data(), o.Data(), relu);
  return info.Env().Undefined();
}

// bnInferBackward(dy, y | null, variance, scale | null, dx, channels, eps, layout = 0, hw):
// the input gradient of batchNorm (inference statistics are constants):
// dx = dy' * scale / sqrt(variance + eps), where dy' is dy masked by ReLU's
// gradient on the forward output y when given (a fused relu), else dy. dy, y
// and dx share one layout.
Napi::Value BnInferBackward(const Napi::CallbackInfo &info) {
  auto dy = f32(info, 0, "dy");
  auto var = f32(info, 2, "variance");
  auto dx = f32(info, 4, "dx");
  const int64_t n = dy.ElementLength();
  if (n == 0) return info.Env().Undefined();
  const BnArgs bn(info, 5, n);
  const int64_t c = bn.c;
  const float *yp = optionalF32(info, 1, "y", n);
  const float *sp = optionalF32(info, 3, "scale", c);
  const bool masked = yp != nullptr;
  checkLen(dx, n, "dx");
  checkLen(var, c, "variance");
  std::vector<float> k(c);
  for (int64_t j = 0; j < c; ++j) {
    const double s = sp != nullptr ? sp[j] : 1.0;
    k[j] = static_cast<float>(s / bn.stdDev(var.Data()[j]));
  }
  const int64_t w = bn.width;
  const float *dyp = dy.Data();
  float *dxp = dx.Data();
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t r = 0; r < bn.rows; ++r) {
    const float *dr = dyp + r * w, *kp = k.data() + bn.offset(r);
    float *o = dxp + r * w;
    if (masked) {
      const float *yr = yp + r * w;
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) o[j] = reluGrad(dr[j], yr[j]) * kp[j];
    } else {
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) o[j] = dr[j] * kp[j];
    }
  }
  return info.Env().Undefined();
}

// tile(x, out, shape Int32Array[1 + 2 * rank] = [rank, xDims, reps]):
// out[i] = x[i mod xDims] per dimension, rank <= 8.
Napi::Value Tile(const Napi::CallbackInfo &info) {
  auto [x, o] = f32Args(info, 0, {"x", "out"});
  auto shape = shapeArg(info, 2, 2);
  const int rank = shape[0];
  const int32_t *xd = shape.Data() + 1, *reps = shape.Data() + 1 + rank;
  int64_t od[8], xs[8];
  int64_t xTotal = 1, oTotal = 1;
  for (int d = rank - 1; d >= 0; --d) {
    xs[d] = xTotal;
    xTotal *= xd[d];
    od[d] = static_cast<int64_t>(xd[d]) * reps[d];
    oTotal *= od[d];
  }
  checkLen(x, xTotal, "x");
  checkLen(o, oTotal, "out");
  if (oTotal == 0) return info.Env().Undefined();
  const int64_t inner = od[rank - 1], xInner = xd[rank - 1];
  const int64_t rows = oTotal / inner;
  const float *xp = x.Data();
  float *op_ = o.Data();
#pragma omp parallel for schedule(static) if (oTotal >= kParallelMin)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t rem = r, src = 0;
    for (int d = rank - 2; d >= 0; --d) {
      const int64_t i = rem % od[d];
      rem /= od[d];
      src += (i % xd[d]) * xs[d];
    }
    const float *sp = xp + src;
    float *dp = op_ + r * inner;
    for (int64_t k = 0; k < inner; k += xInner) std::copy(sp, sp + xInner, dp + k);
  }
  return info.Env().Undefined();
}

// Per-channel sums over the rows of an activation, in double, across threads.
template <typename F>
void channelSums(const ChannelRows &v, std::vector<double> &s1, std::vector<double> &s2, F rowFn) {
  const int64_t c = v.c;
  const int threads = omp_get_max_threads();
  std::vector<double> p1(static_cast<size_t>(threads) * c, 0.0), p2(static_cast<size_t>(threads) * c, 0.0);
#pragma omp parallel if (v.rows * v.width >= kParallelMin)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    double *a1 = p1.data() + static_cast<size_t>(t) * c, *a2 = p2.data() + static_cast<size_t>(t) * c;
    for (int64_t r = v.rows * t / nt; r < v.rows * (t + 1) / nt; ++r) {
      const int64_t o = v.offset(r);
      rowFn(r, o, a1 + o, a2 + o);
    }
  }
  s1.assign(c, 0.0);
  s2.assign(c, 0.0);
  for (int t = 0; t < threads; ++t) {
    for (int64_t j = 0; j < c; ++j) {
      s1[j] += p1[static_cast<size_t>(t) * c + j];
      s2[j] += p2[static_cast<size_t>(t) * c + j];
    }
  }
}


// bnTrainForward(x, gamma, beta, y, mean, variance, c, eps, layout = 0, hw, relu = false):
// batch statistics per channel of x (NHWC, or nChwBc with B = layout and hw =
// H * W), y = (x - mean) / sqrt(var + eps) * gamma + beta in x's layout, then
// max(y, 0) when relu (NaN kept, as tfjs' relu does); writes the biased batch
// mean and variance.
Napi::Value BnTrainForward(const Napi::CallbackInfo &info) {
  auto [x, gamma, beta, y, meanOut, varOut] = f32Args(info, 0, {"x", "gamma", "beta", "y", "mean", "variance"});
  const int64_t n = x.ElementLength();
  const BnArgs bn(info, 6, n);
  const int64_t c = bn.c;
  const bool relu = info.Length() > 10 && info[10].ToBoolean();
  y.needs(n);
  for (const F32Arg *a : {&gamma, &beta, &meanOut, &varOut}) a->needs(c);
  const int64_t count = n / c, w = bn.width;
  const float *xp = x.Data();
  std::vector<double> s1, s2;
  channelSums(bn, s1, s2, [&](int64_t r, int64_t, double *a1, double *) {
    const float *xr = xp + r * w;
    for (int64_t j = 0; j < w; ++j) a1[j] += xr[j];
  });
  std::vector<float> m(c), k(c), b(c);
  for (int64_t j = 0; j < c; ++j) m[j] = static_cast<float>(s1[j] / count);
  // Second pass for the variance: exact even when |mean| >> std.
  channelSums(bn, s1, s2, [&](int64_t r, int64_t o, double *a1, double *) {
    const float *xr = xp + r * w, *mr = m.data() + o;
    for (int64_t j = 0; j < w; ++j) { const double d = xr[j] - mr[j]; a1[j] += d * d; }
  });
  for (int64_t j = 0; j < c; ++j) {
    const double var = s1[j] / count;
    meanOut.Data()[j] = m[j];
    varOut.Data()[j] = static_cast<float>(var);
    k[j] = static_cast<float>(gamma.Data()[j] / bn.stdDev(var));
    b[j] = beta.Data()[j];
  }
  channelAffine(bn, xp, m.data(), k.data(), b.data(), y.Data(), relu);
  return info.Env().Undefined();
}

// bnTrainBackward(dy, x, gamma, mean, variance, dx, dgamma, dbeta, c, eps, layout = 0, hw,
// y | null): the exact gradient of bnTrainForward's y (batch statistics
// included); with the forward output y of a relu forward, dy is first masked
// by ReLU's gradient dy * step(y). dy, x, y and dx share one layout.
Napi::Value BnTrainBackward(const Napi::CallbackInfo &info) {
  auto [dy, x, gamma, mean, var, dx, dgamma, dbeta] =
      f32Args(info, 0, {"dy", "x", "gamma", "mean", "variance", "dx", "dgamma", "dbeta"});
  const int64_t n = x.ElementLength();
  const BnArgs bn(info, 8, n);
  const int64_t c = bn.c;
  const float *yp = optionalF32(info, 12, "y", n);
  const bool masked = yp != nullptr;
  for (const F32Arg *a : {&dy, &dx}) a->needs(n);
  for (const F32Arg *a : {&gamma, &mean, &var, &dgamma, &dbeta}) a->needs(c);
  const int64_t count = n / c, w = bn.width;
  const float *xp = x.Data(), *dyp = dy.Data();
  std::vector<float> m(c), inv(c);
  for (int64_t j = 0; j < c; ++j) {
    m[j] = mean.Data()[j];
    inv[j] = static_cast<float>(1.0 / bn.stdDev(var.Data()[j]));
  }
  // With a fused relu, dy is first masked by ReLU's gradient exactly as the separate kernel
  // computes it (reluGrad); the branch on `masked` stays outside the vectorised loops.
  std::vector<double> sdy, sdyx;
  channelSums(bn, sdy, sdyx, [&](int64_t r, int64_t o, double *a1, double *a2) {
    const float *xr = xp + r * w, *dr = dyp + r * w, *mr = m.data() + o;
    if (masked) {
      const float *yr = yp + r * w;
      for (int64_t j = 0; j < w; ++j) {
        const float d = reluGrad(dr[j], yr[j]);
        a1[j] += d;
        a2[j] += static_cast<double>(d) * (xr[j] - mr[j]);
      }
    } else {
      for (int64_t j = 0; j < w; ++j) {
        a1[j] += dr[j];
        a2[j] += static_cast<double>(dr[j]) * (xr[j] - mr[j]);
      }
    }
  });
  // dx = gamma * inv / count * (count * dy - sum(dy) - xhat * sum(dy * xhat))
  std::vector<float> k1(c), k2(c), k3(c);
  for (int64_t j = 0; j < c; ++j) {
    const double g = gamma.Data()[j], iv = inv[j];
    const double sumDyXhat = sdyx[j] * iv;
    dbeta.Data()[j] = static_cast<float>(sdy[j]);
    dgamma.Data()[j] = static_cast<float>(sumDyXhat);
    k1[j] = static_cast<float>(g * iv);                           // * dy
    k2[j] = static_cast<float>(g * iv * sdy[j] / count);          // constant
    k3[j] = static_cast<float>(g * iv * sumDyXhat * iv / count);  // * (x - mean)
  }
  float *dxp = dx.Data();
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t r = 0; r < bn.rows; ++r) {
    const int64_t o = bn.offset(r);
    const float *xr = xp + r * w, *dr = dyp + r * w;
    const float *mp = m.data() + o, *k1p = k1.data() + o, *k2p = k2.data() + o, *k3p = k3.data() + o;
    float *out = dxp + r * w;
    if (masked) {
      const float *yr = yp + r * w;
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) out[j] = reluGrad(dr[j], yr[j]) * k1p[j] - k2p[j] - (xr[j] - mp[j]) * k3p[j];
    } else {
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) out[j] = dr[j] * k1p[j] - k2p[j] - (xr[j] - mp[j]) * k3p[j];
    }
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterElementwiseKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, Guard<Binary>));
  exports.Set("unary", Napi::Function::New(env, Guard<Unary>));
  exports.Set("reduce", Napi::Function::New(env, Guard<Reduce>));
  exports.Set("batchNorm", Napi::Function::New(env, Guard<BatchNorm>));
  exports.Set("bnInferBackward", Napi::Function::New(env, Guard<BnInferBackward>));
  exports.Set("tile", Napi::Function::New(env, Guard<Tile>));
  exports.Set("bnTrainForward", Napi::Function::New(env, Guard<BnTrainForward>));
  exports.Set("bnTrainBackward", Napi::Function::New(env, Guard<BnTrainBackward>));
}

}  // namespace dkl
