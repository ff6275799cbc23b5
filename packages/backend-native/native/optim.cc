// Fused optimizer updates: one pass over w, grad and the momentum buffer
// instead of five tfjs ops. Every float32 operation happens in the order of
// @dkl/core's composite sgdUpdate, so both give the same bits.

#include "common.h"

#include <omp.h>

namespace dkl {

namespace {

constexpr int64_t kParallelMin = 1 << 15;

// sgdUpdate(w, grad, buf | null, wOut, bufOut | null, hyper Float64Array[5] =
// [learningRate, momentum, dampening, weightDecay, nesterov]).
Napi::Value SgdUpdate(const Napi::CallbackInfo &info) {
  auto w = f32(info, 0, "w");
  auto g = f32(info, 1, "grad");
  auto wOut = f32(info, 3, "wOut");
  const int64_t n = w.ElementLength();
  const float *buf = optionalF32(info, 2, "buf", n);
  float *bufOut = optionalF32(info, 4, "bufOut", n);
  if (!info[5].IsTypedArray() || info[5].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[5].As<Napi::Float64Array>().ElementLength() < 5) {
    throw std::invalid_argument("argument 'hyper' must be a Float64Array of 5 elements");
  }
  const double *h = info[5].As<Napi::Float64Array>().Data();
  const float lr = static_cast<float>(h[0]), momentum = static_cast<float>(h[1]);
  const float keep = static_cast<float>(1.0 - h[2]), wd = static_cast<float>(h[3]);
  const bool dampen = h[2] != 0, nesterov = h[4] != 0;
  checkLen(g, n, "grad");
  checkLen(wOut, n, "wOut");
  if (momentum != 0.f && bufOut == nullptr) throw std::invalid_argument("momentum needs a 'bufOut' buffer");
  if (buf != nullptr && momentum == 0.f) throw std::invalid_argument("'buf' given with momentum 0");
  const float *wp = w.Data(), *gp = g.Data();
  float *wo = wOut.Data();
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) {
    float d = wd != 0.f ? gp[i] + wp[i] * wd : gp[i];
    if (momentum != 0.f) {
      const float gd = dampen ? d * keep : d;
      const float b = buf != nullptr ? buf[i] * momentum + gd : d;
      bufOut[i] = b;
      d = nesterov ? d + b * momentum : b;
    }
    wo[i] = wp[i] - d * lr;
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterOptimizerKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdUpdate", Napi::Function::New(env, Guard<SgdUpdate>));
}

}  // namespace dkl
