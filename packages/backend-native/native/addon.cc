// Module entry: owns the oneDNN engine/stream and reports library info.
#include "common.h"

#include <omp.h>

namespace dkl {

dnnl::engine &engine() {
  static dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  return eng;
}

dnnl::stream &stream() {
  static dnnl::stream s(engine());
  return s;
}

namespace {

Napi::Value Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const dnnl_version_t *v = dnnl_version();
  Napi::Object o = Napi::Object::New(env);
  o.Set("onednnVersion", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  o.Set("threads", omp_get_max_threads());
  o.Set("cpuRuntime", v->cpu_runtime == DNNL_RUNTIME_OMP ? "omp" : "other");
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throw std::invalid_argument("argument 'threads' must be a number");
  const int n = info[0].As<Napi::Number>().Int32Value();
  if (n < 1) throw std::invalid_argument("argument 'threads' must be >= 1, got " + std::to_string(n));
  omp_set_num_threads(n);
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Guard<Info>));
  exports.Set("setThreads", Napi::Function::New(env, Guard<SetThreads>));
  RegisterOneDnnKernels(env, exports);
  RegisterElementwiseKernels(env, exports);
  RegisterOptimizerKernels(env, exports);
  return exports;
}

}  // namespace dkl

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return dkl::Init(env, exports); }

NODE_API_MODULE(dkl_native, InitModule)
