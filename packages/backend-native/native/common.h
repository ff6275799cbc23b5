// Shared helpers for the dkl-native addon: the process-wide oneDNN engine and
// stream, argument checking, and the C++ -> JS exception bridge.
#pragma once

#include <napi.h>
#include <oneapi/dnnl/dnnl.hpp>

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

void RegisterOneDnnKernels(Napi::Env env, Napi::Object exports);
void RegisterElementwiseKernels(Napi::Env env, Napi::Object exports);

}  // namespace dkl
