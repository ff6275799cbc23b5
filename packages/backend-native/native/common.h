// Shared helpers for the dkl-native addon: the process-wide oneDNN engine and
// stream, argument checking, and the C++ -> JS exception bridge.
#pragma once

#include <napi.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace dkl {

dnnl::engine &engine();
dnnl::stream &stream();

inline Napi::Float32Array f32(const Napi::CallbackInfo &info, size_t i, const char *name) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw std::invalid_argument(std::string("argument '") + name + "' must be a Float32Array");
  }
  return info[i].As<Napi::Float32Array>();
}

inline Napi::Int32Array i32(const Napi::CallbackInfo &info, size_t i, const char *name, size_t len) {
  if (info.Length() <= i || !info[i].IsTypedArray() ||
      info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw std::invalid_argument(std::string("argument '") + name + "' must be an Int32Array");
  }
  auto a = info[i].As<Napi::Int32Array>();
  if (a.ElementLength() < len) {
    throw std::invalid_argument(std::string("argument '") + name + "' must have " + std::to_string(len) +
                                " elements, got " + std::to_string(a.ElementLength()));
  }
  return a;
}

// Refuses to let oneDNN read or write past the end of a JS buffer.
inline void checkSize(const Napi::Float32Array &a, const dnnl::memory::desc &md, const char *name) {
  const size_t need = md.get_size() / sizeof(float);
  if (a.ElementLength() < need) {
    throw std::invalid_argument(std::string("buffer '") + name + "' has " + std::to_string(a.ElementLength()) +
                                " elements, the primitive needs " + std::to_string(need));
  }
}

inline void checkLen(const Napi::Float32Array &a, size_t need, const char *name) {
  if (a.ElementLength() < need) {
    throw std::invalid_argument(std::string("buffer '") + name + "' has " + std::to_string(a.ElementLength()) +
                                " elements, needs " + std::to_string(need));
  }
}

// A Float32Array argument that keeps the name its errors give it.
class F32Arg : public Napi::Float32Array {
 public:
  F32Arg() = default;
  F32Arg(const Napi::CallbackInfo &info, size_t i, const char *name) : Napi::Float32Array(f32(info, i, name)), name_(name) {}
  // Refuses a buffer of fewer than `len` elements.
  void needs(size_t len) const { checkLen(*this, len, name_); }

 private:
  const char *name_ = "";
};

// The Float32Array arguments `first`, `first + 1`, ... named `names`, checked
// in order: `auto [x, gamma] = f32Args(info, 0, {"x", "gamma"});`.
template <size_t N>
std::array<F32Arg, N> f32Args(const Napi::CallbackInfo &info, size_t first, const char *const (&names)[N]) {
  std::array<F32Arg, N> args;
  for (size_t k = 0; k < N; ++k) args[k] = F32Arg(info, first + k, names[k]);
  return args;
}

// An optional Float32Array argument of at least `len` elements: nullptr when
// it is null, undefined or absent.
inline float *optionalF32(const Napi::CallbackInfo &info, size_t i, const char *name, size_t len) {
  if (info.Length() <= i || info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  auto a = f32(info, i, name);
  checkLen(a, len, name);
  return a.Data();
}

// Wraps an entry point so that any C++ exception (oneDNN's included) becomes a
// JS Error carrying its message.
template <Napi::Value (*F)(const Napi::CallbackInfo &)>
Napi::Value Guard(const Napi::CallbackInfo &info) {
  try {
    return F(info);
  } catch (const Napi::Error &) {
    throw;
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN: ") + e.what() + " (status " +
                                           std::to_string(static_cast<int>(e.status)) + ")");
  } catch (const std::exception &e) {
    throw Napi::Error::New(info.Env(), std::string("dkl-native: ") + e.what());
  }
}

// Activation layouts shared with the TS side: 0 = NHWC (tfjs' own), 8 / 16 =
// oneDNN's channel-blocked nChw8c / nChw16c. A blocked layout is only used when
// the channel count is a multiple of the block, so it holds exactly as many
// floats as NHWC and fits the same buffer.
inline dnnl::memory::desc activationMd(const dnnl::memory::dims &nchw, int block) {
  using tag = dnnl::memory::format_tag;
  const tag t = block == 16 ? tag::nChw16c : block == 8 ? tag::nChw8c : tag::nhwc;
  if (block != 0 && block != 8 && block != 16) throw std::invalid_argument("unknown activation layout " + std::to_string(block));
  if (block != 0 && nchw[1] % block != 0) {
    throw std::invalid_argument("layout nChw" + std::to_string(block) + "c needs a channel count that is a multiple of " +
                                std::to_string(block) + ", got " + std::to_string(nchw[1]));
  }
  return dnnl::memory::desc(nchw, dnnl::memory::data_type::f32, t);
}

// The layout code of `md` when it is one of the activation layouts above (and
// holds no padding), else -1.
inline int activationBlockOf(const dnnl::memory::desc &md) {
  const dnnl::memory::dims d = md.dims();
  if (d.size() != 4) return -1;
  for (int block : {0, 16, 8}) {
    if (block != 0 && d[1] % block != 0) continue;
    if (md == activationMd(d, block)) return block;
  }
  return -1;
}

void RegisterOneDnnKernels(Napi::Env env, Napi::Object exports);
void RegisterElementwiseKernels(Napi::Env env, Napi::Object exports);
void RegisterOptimizerKernels(Napi::Env env, Napi::Object exports);
void RegisterBf16CopyKernels(Napi::Env env, Napi::Object exports);

}  // namespace dkl
