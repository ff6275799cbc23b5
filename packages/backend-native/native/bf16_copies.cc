// The store behind bf16_copies.h, and its JS entry points.

#include "bf16_copies.h"

#include "common.h"

#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

namespace dkl {

namespace {

struct Copy {
  OperandRole role;
  dnnl::memory::desc md;
  void *ptr;
  size_t bytes;
};

size_t capBytes() {
  static const size_t cap = [] {
    const char *v = std::getenv("DKL_NATIVE_BF16_COPIES_MB");
    const double mb = v != nullptr ? std::atof(v) : 1024.0;
    return static_cast<size_t>((mb >= 0 ? mb : 1024.0) * 1024 * 1024);
  }();
  return cap;
}

// Copies by source id; parked buffers by size, so a step's conversions reuse
// the previous step's (warm, already faulted-in) pages.
std::unordered_map<uint64_t, std::vector<Copy>> copies;
std::unordered_map<size_t, std::vector<void *>> parked;
size_t heldBytes = 0, parkedBytes = 0;
double converted = 0, reused = 0;

void *takeBuffer(size_t bytes) {
  auto it = parked.find(bytes);
  if (it != parked.end() && !it->second.empty()) {
    void *p = it->second.back();
    it->second.pop_back();
    parkedBytes -= bytes;
    return p;
  }
  // Over the bound: free parked buffers of other sizes before giving up.
  for (auto &[size, list] : parked) {
    if (heldBytes + parkedBytes + bytes <= capBytes()) break;
    while (!list.empty() && heldBytes + parkedBytes + bytes > capBytes()) {
      std::free(list.back());
      list.pop_back();
      parkedBytes -= size;
    }
  }
  if (heldBytes + parkedBytes + bytes > capBytes()) return nullptr;
  return std::aligned_alloc(64, bytes);
}

}  // namespace

void *findBf16Copy(uint64_t id, OperandRole role, const dnnl::memory::desc &md) {
  auto it = copies.find(id);
  if (it == copies.end()) return nullptr;
  for (const Copy &c : it->second) {
    if (c.role == role && c.md == md) return c.ptr;
  }
  return nullptr;
}

void *addBf16Copy(uint64_t id, OperandRole role, const dnnl::memory::desc &md) {
  // Rounded up to whole cache lines: aligned_alloc needs a multiple of the alignment.
  const size_t bytes = (md.get_size() + 63) / 64 * 64;
  void *p = takeBuffer(bytes);
  if (p == nullptr) return nullptr;
  copies[id].push_back(Copy{role, md, p, bytes});
  heldBytes += bytes;
  return p;
}

void releaseBf16Copies(uint64_t id) {
  auto it = copies.find(id);
  if (it == copies.end()) return;
  for (const Copy &c : it->second) {
    heldBytes -= c.bytes;
    parked[c.bytes].push_back(c.ptr);
    parkedBytes += c.bytes;
  }
  copies.erase(it);
}

void clearBf16Copies() {
  for (auto &[id, list] : copies) {
    for (const Copy &c : list) std::free(c.ptr);
  }
  for (auto &[size, list] : parked) {
    for (void *p : list) std::free(p);
  }
  copies.clear();
  parked.clear();
  heldBytes = parkedBytes = 0;
}

void countBf16Operand(bool wasReused) { (wasReused ? reused : converted) += 1; }

Bf16CopyStats bf16CopyStats() {
  size_t n = 0;
  for (const auto &[id, list] : copies) n += list.size();
  return Bf16CopyStats{copies.size(), n, heldBytes, parkedBytes, converted, reused};
}

namespace {

uint64_t sourceIdArg(const Napi::CallbackInfo &info, size_t i) {
  if (info.Length() <= i || !info[i].IsNumber()) throw std::invalid_argument("argument 'sourceId' must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= 1) || v != static_cast<double>(static_cast<uint64_t>(v))) {
    throw std::invalid_argument("argument 'sourceId' must be a positive integer, got " + std::to_string(v));
  }
  return static_cast<uint64_t>(v);
}

// releaseBf16Copies(sourceId)
Napi::Value ReleaseBf16Copies(const Napi::CallbackInfo &info) {
  releaseBf16Copies(sourceIdArg(info, 0));
  return info.Env().Undefined();
}

// clearBf16Copies()
Napi::Value ClearBf16Copies(const Napi::CallbackInfo &info) {
  clearBf16Copies();
  return info.Env().Undefined();
}

// bf16CopyStats() -> { sources, copies, bytes, parkedBytes, converted, reused }
Napi::Value Bf16CopyStatsJs(const Napi::CallbackInfo &info) {
  const Bf16CopyStats s = bf16CopyStats();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("sources", static_cast<double>(s.sources));
  o.Set("copies", static_cast<double>(s.copies));
  o.Set("bytes", static_cast<double>(s.bytes));
  o.Set("parkedBytes", static_cast<double>(s.parkedBytes));
  o.Set("converted", s.converted);
  o.Set("reused", s.reused);
  return o;
}

}  // namespace

void RegisterBf16CopyKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("releaseBf16Copies", Napi::Function::New(env, Guard<ReleaseBf16Copies>));
  exports.Set("clearBf16Copies", Napi::Function::New(env, Guard<ClearBf16Copies>));
  exports.Set("bf16CopyStats", Napi::Function::New(env, Guard<Bf16CopyStatsJs>));
}

}  // namespace dkl
