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

const char *isaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "SSE41";
    case dnnl::cpu_isa::avx: return "AVX";
    case dnnl::cpu_isa::avx2: return "AVX2";
    case dnnl::cpu_isa::avx2_vnni: return "AVX2_VNNI";
    case dnnl::cpu_isa::avx512_mic: return "AVX512_MIC";
    case dnnl::cpu_isa::avx512_mic_4ops: return "AVX512_MIC_4OPS";
    case dnnl::cpu_isa::avx512_core: return "AVX512_CORE";
    case dnnl::cpu_isa::avx512_core_vnni: return "AVX512_CORE_VNNI";
    case dnnl::cpu_isa::avx512_core_bf16: return "AVX512_CORE_BF16";
    case dnnl::cpu_isa::avx512_core_amx: return "AVX512_CORE_AMX";
    default: return "unknown";
  }
}

// Whether oneDNN may use native bf16 instructions (AVX512_BF16 or AMX): the
// effective ISA, capped by ONEDNN_MAX_CPU_ISA, contains avx512_core_bf16's
// feature bits. Without them oneDNN would emulate bf16 (avx512_core) or run
// reference code, both slower than fp32.
bool bf16Native() {
  const auto isa = static_cast<unsigned>(dnnl_get_effective_cpu_isa());
  const auto bf16 = static_cast<unsigned>(dnnl_cpu_isa_avx512_core_bf16);
  return (isa & bf16) == bf16;
}

Napi::Value Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  const dnnl_version_t *v = dnnl_version();
  Napi::Object o = Napi::Object::New(env);
  o.Set("onednnVersion", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  o.Set("threads", omp_get_max_threads());
  o.Set("cpuRuntime", v->cpu_runtime == DNNL_RUNTIME_OMP ? "omp" : "other");
  o.Set("isa", isaName(dnnl::get_effective_cpu_isa()));
  o.Set("bf16", bf16Native());
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
  RegisterBf16CopyKernels(env, exports);
  return exports;
}

}  // namespace dkl

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return dkl::Init(env, exports); }

NODE_API_MODULE(dkl_native, InitModule)
