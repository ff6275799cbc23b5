// oneDNN convolution, matmul and pooling entry points.
//
// Every call wraps the caller's Float32Arrays in dnnl::memory objects for the
// duration of the call only: nothing that points into a JS buffer survives the
// call. What is cached (keyed by the shape/attribute parameters) are primitive
// descriptors and primitives, which hold no user data.

#include "bf16_copies.h"
#include "common.h"

#include <cstdlib>
#include <unordered_map>

namespace dkl {

namespace {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;
using tag = memory::format_tag;
using dt = memory::data_type;

// Precision codes shared with the TS side: 0 = fp32 throughout; 1 = bf16, i.e.
// the operands a convolution or matmul reads (activations, filters, upstream
// gradients) are rounded to bf16 by a oneDNN reorder inside the call, while the
// tensors it writes (outputs, input and weight gradients) and its accumulation
// stay fp32. The JS side only ever sees fp32 buffers.
dt operandType(int precision) {
  if (precision != 0 && precision != 1) throw std::invalid_argument("unknown precision code " + std::to_string(precision));
  return precision == 1 ? dt::bf16 : dt::f32;
}

// ---- convolution -----------------------------------------------------------

// Layout of the Int32Array parameter block sent by the TS side.
struct ConvParams {
  int64_t n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pb, pl, pr, groups, act;
  explicit ConvParams(const int32_t *p)
      : n(p[0]), ih(p[1]), iw(p[2]), ic(p[3]), oh(p[4]), ow(p[5]), oc(p[6]), kh(p[7]), kw(p[8]),
        sh(p[9]), sw(p[10]), dh(p[11]), dw(p[12]), pt(p[13]), pb(p[14]), pl(p[15]), pr(p[16]),
        groups(p[17]), act(p[18]) {
    // oneDNN requires (i - k_eff + pl + pr) / s + 1 == o; tfjs' explicit/ceil
    // paddings can be larger than needed, so derive the high padding.
    const int64_t keh = (kh - 1) * dh + 1, kew = (kw - 1) * dw + 1;
    if ((ih - keh + pt + pb) / sh + 1 != oh) pb = (oh - 1) * sh + keh - ih - pt;
    if ((iw - kew + pl + pr) / sw + 1 != ow) pr = (ow - 1) * sw + kew - iw - pl;
  }
  memory::dims strides() const { return {sh, sw}; }
  memory::dims dilates() const { return {dh - 1, dw - 1}; }
  memory::dims padL() const { return {pt, pl}; }
  memory::dims padR() const { return {pb, pr}; }
  // Activations are NHWC in tfjs; oneDNN dims are always (N, C, H, W).
  memory::dims srcDims() const { return {n, ic, ih, iw}; }
  memory::dims dstDims() const { return {n, oc, oh, ow}; }
  memory::desc srcMd(int block = 0) const { return activationMd(srcDims(), block); }
  memory::desc dstMd(int block = 0) const { return activationMd(dstDims(), block); }
  // tfjs filters are [kh, kw, in, out] (regular) or [kh, kw, in, multiplier]
  // (depthwise, groups == in channels).
  memory::desc userWeightsMd() const {
    if (groups == 1) return memory::desc({oc, ic, kh, kw}, dt::f32, tag::hwio);
    return memory::desc({groups, oc / groups, ic / groups, kh, kw}, dt::f32, tag::hwigo);
  }
  // An ungrouped filter in layout `block`: 0 = tfjs' HWIO, 8 / 16 = oneDNN's
  // OIhw8i8o / OIhw16i16o (ABcd8b8a / ABcd16b16a), which the forward and
  // backward-weights primitives use on AVX2 / AVX-512 when both channel counts
  // are multiples of the block (then it holds exactly as many floats as HWIO).
  memory::desc filterMd(int block) const {
    if (block == 0) return userWeightsMd();
    if (groups != 1 || (block != 8 && block != 16) || ic % block != 0 || oc % block != 0) {
      throw std::invalid_argument("filter layout " + std::to_string(block) + " needs an ungrouped filter with in and out channels multiple of it");
    }
    return memory::desc({oc, ic, kh, kw}, dt::f32, block == 16 ? tag::OIhw16i16o : tag::OIhw8i8o);
  }
  // The filter layout code of `md`, or -1 when it is none of filterMd's.
  int filterBlockOf(const memory::desc &md) const {
    if (md == userWeightsMd()) return 0;
    if (groups != 1) return -1;
    for (int block : {16, 8}) {
      if (ic % block == 0 && oc % block == 0 && md == filterMd(block)) return block;
    }
    return -1;
  }
  memory::desc anyWeightsMd(dt type = dt::f32) const {
    if (groups == 1) return memory::desc({oc, ic, kh, kw}, type, tag::any);
    return memory::desc({groups, oc / groups, ic / groups, kh, kw}, type, tag::any);
  }
};

std::string paramsKey(const char *prefix, const int32_t *p, size_t len) {
  std::string key(prefix);
  for (size_t i = 0; i < len; ++i) {
    key += ',';
    key += std::to_string(p[i]);
  }
  return key;
}

dnnl::primitive_attr activationAttr(int64_t act, float alpha) {
  dnnl::primitive_attr attr;
  if (act == 0) return attr;
  dnnl::post_ops po;
  switch (act) {
    case 1: po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f); break;
    case 2: po.append_eltwise(1.f, algorithm::eltwise_clip, 0.f, 6.f); break;
    case 3: po.append_eltwise(1.f, algorithm::eltwise_elu, 1.f, 0.f); break;
    case 4: po.append_eltwise(1.f, algorithm::eltwise_relu, alpha, 0.f); break;
    case 5: po.append_eltwise(1.f, algorithm::eltwise_logistic, 0.f, 0.f); break;
    default: throw std::runtime_error("unsupported fused activation code " + std::to_string(act));
  }
  attr.set_post_ops(po);
  return attr;
}

// The forward pass may also run on blocked activations (reordered in and out):
// on AVX-512 oneDNN 2.6's blocked forward kernels beat its NHWC ones by more
// than the reorders cost. DKL_NATIVE_NHWC_FWD=1 keeps NHWC.
bool blockedForward() {
  static const bool blocked = [] {
    const char *v = std::getenv("DKL_NATIVE_NHWC_FWD");
    return v == nullptr || std::string(v) != "1";
  }();
  return blocked;
}

dnnl::convolution_forward::primitive_desc convFwdPd(const ConvParams &c, bool withBias,
                                                    prop_kind prop, const dnnl::primitive_attr &attr, int precision) {
  memory::desc biasMd = withBias ? memory::desc({c.oc}, dt::f32, tag::a) : memory::desc();
  const bool blocked = blockedForward();
  const dt in = operandType(precision);
  memory::desc src = memory::desc(c.srcMd().dims(), in, blocked ? tag::any : tag::nhwc);
  memory::desc dst = blocked ? memory::desc(c.dstMd().dims(), dt::f32, tag::any) : c.dstMd();
  dnnl::convolution_forward::desc d(prop, algorithm::convolution_direct, src, c.anyWeightsMd(in),
                                    biasMd, dst, c.strides(), c.dilates(), c.padL(), c.padR());
  return dnnl::convolution_forward::primitive_desc(d, attr, engine());
}

// The filter (or filter gradient) a convolution pass reads (writes).
memory::desc filterDesc(const dnnl::convolution_forward::primitive_desc &pd) { return pd.weights_desc(); }
memory::desc filterDesc(const dnnl::convolution_backward_data::primitive_desc &pd) { return pd.weights_desc(); }
memory::desc filterDesc(const dnnl::convolution_backward_weights::primitive_desc &pd) { return pd.diff_weights_desc(); }

// A cached convolution primitive. scratchW holds the filter in the primitive's
// preferred layout: a C++-owned buffer reused across calls (never JS memory),
// so each call reorders into warm pages.
template <typename Prim>
struct ConvEntry {
  typename Prim::primitive_desc pd;
  Prim prim;
  memory scratchW;
  explicit ConvEntry(const typename Prim::primitive_desc &d) : pd(d), prim(d), scratchW(filterDesc(d), engine()) {}
};
using ConvFwdEntry = ConvEntry<dnnl::convolution_forward>;
using ConvBwdDataEntry = ConvEntry<dnnl::convolution_backward_data>;
using ConvBwdWeightsEntry = ConvEntry<dnnl::convolution_backward_weights>;

std::unordered_map<std::string, ConvFwdEntry> convFwdCache;
std::unordered_map<std::string, ConvBwdDataEntry> convBwdDataCache;
std::unordered_map<std::string, ConvBwdWeightsEntry> convBwdWeightsCache;


// A growable, C++-owned buffer for activations in a primitive's blocked layout.
// Calls are sequential (one JS thread), so one buffer per role is enough.
class Scratch {
 public:
  ~Scratch() { std::free(ptr_); }
  void *get(size_t bytes) {
    if (bytes > size_) {
      std::free(ptr_);
      size_ = (bytes + 63) / 64 * 64;
      ptr_ = std::aligned_alloc(64, size_);
      if (ptr_ == nullptr) {
        size_ = 0;
        throw std::bad_alloc();
      }
    }
    return ptr_;
  }

 private:
  void *ptr_ = nullptr;
  size_t size_ = 0;
};
Scratch scratchIn1, scratchIn2, scratchOut, scratchPad;

// Primitives run with a user-managed scratchpad (one reused C++ buffer) rather
// than letting oneDNN allocate fresh scratch memory on every execution.
template <typename Pd>
void addScratchpad(std::unordered_map<int, memory> &args, const Pd &pd) {
  const memory::desc md = pd.scratchpad_desc();
  if (md.get_size() == 0) return;
  args.emplace(DNNL_ARG_SCRATCHPAD, memory(md, engine(), scratchPad.get(md.get_size())));
}

// Runs a cached primitive with its user-managed scratchpad.
template <typename Entry>
void run(const Entry &e, std::unordered_map<int, memory> &args) {
  addScratchpad(args, e.pd);
  e.prim.execute(stream(), args);
}

// The cache entry for `key`, built by `make` on first use.
template <typename Entry, typename Make>
Entry &cached(std::unordered_map<std::string, Entry> &cache, const std::string &key, Make make) {
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, make()).first;
  return it->second;
}

dnnl::primitive_attr userScratchpad(dnnl::primitive_attr attr = dnnl::primitive_attr()) {
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

// A view of the caller's fp32 data (`user`) in the layout and data type `want`:
// the caller's memory itself when they agree, else a reorder (which rounds to
// bf16 when `want` is bf16). A bf16 result is kept as the copy of source
// `sourceId` (see bf16_copies.h) and a held one is reused without converting;
// otherwise (sourceId 0, fp32, or over the copies' bound) it goes to `scratch`.
template <typename ScratchFor>
memory operandIn(const memory::desc &user, const memory::desc &want, float *ptr, uint64_t sourceId, OperandRole role,
                 ScratchFor scratch) {
  memory u(user, engine(), ptr);
  if (want == user) return u;
  const bool bf16 = want.data.data_type == dnnl_bf16, keep = bf16 && sourceId != 0;
  if (keep) {
    if (void *held = findBf16Copy(sourceId, role, want)) {
      countBf16Operand(true);
      return memory(want, engine(), held);
    }
  }
  if (bf16) countBf16Operand(false);
  void *kept = keep ? addBf16Copy(sourceId, role, want) : nullptr;
  memory m(want, engine(), kept != nullptr ? kept : scratch());
  dnnl::reorder(u, m).execute(stream(), u, m);
  return m;
}

// An activation operand (see operandIn), converted into `scratch` when not kept.
memory activationIn(const memory::desc &user, const memory::desc &want, float *ptr, Scratch &scratch, uint64_t sourceId = 0) {
  return operandIn(user, want, ptr, sourceId, OperandRole::activation, [&] { return scratch.get(want.get_size()); });
}

// The caller's filter `w` (stored in `userMd`) in the layout a primitive wants
// (see operandIn), converted into the primitive's `scratch` when not kept.
memory weightsIn(const memory::desc &want, const memory::desc &userMd, memory &scratch, Napi::Float32Array &w, uint64_t sourceId) {
  checkSize(w, userMd, "filter");
  return operandIn(userMd, want, w.Data(), sourceId, OperandRole::filter, [&] { return scratch.get_data_handle(); });
}

// Where a primitive writes an activation: straight into the caller's buffer
// when its layout is NHWC, or a blocked layout the caller accepts (same size);
// otherwise into `scratch`, reordered to NHWC by finish().
class ActivationOut {
 public:
  ActivationOut(const memory::desc &want, const memory::desc &userNhwc, float *ptr, Scratch &scratch,
                bool acceptBlocked)
      : user_(userNhwc, engine(), ptr) {
    const int block = activationBlockOf(want);
    if (block == 0 || (block > 0 && acceptBlocked)) {
      mem_ = memory(want, engine(), ptr);
      block_ = block;
    } else {
      mem_ = memory(want, engine(), scratch.get(want.get_size()));
      reorder_ = true;
    }
  }
  const memory &mem() const { return mem_; }
  // Reorders to NHWC if needed; returns the layout code of the caller's buffer.
  int finish() {
    if (reorder_) dnnl::reorder(mem_, user_).execute(stream(), mem_, user_);
    return block_;
  }

 private:
  memory user_, mem_;
  bool reorder_ = false;
  int block_ = 0;
};

// `md` with its data type replaced (same dims and strides; plain layouts only).
memory::desc retyped(const memory::desc &md, dt type) {
  const dnnl_memory_desc_t &c = md.data;
  if (c.format_kind != dnnl_blocked || c.format_desc.blocking.inner_nblks != 0) {
    throw std::invalid_argument("retyped: only plain strided layouts");
  }
  const memory::dims dims(c.dims, c.dims + c.ndims);
  const memory::dims strides(c.format_desc.blocking.strides, c.format_desc.blocking.strides + c.ndims);
  return memory::desc(dims, type, strides);
}

int32_t intArg(const Napi::CallbackInfo &info, size_t i, const char *name) {
  if (info.Length() <= i || !info[i].IsNumber()) throw std::invalid_argument(std::string("argument '") + name + "' must be a number");
  return info[i].As<Napi::Number>().Int32Value();
}

// An optional number argument: `fallback` when absent or undefined.
double optionalNumberArg(const Napi::CallbackInfo &info, size_t i, const char *name, double fallback) {
  if (info.Length() <= i || info[i].IsUndefined()) return fallback;
  if (!info[i].IsNumber()) throw std::invalid_argument(std::string("argument '") + name + "' must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

// Backward passes let oneDNN pick blocked activation layouts (nChw16c on
// AVX-512), whose kernels are ~2x faster than the NHWC ones in oneDNN 2.6;
// the reorders in and out cost much less than that. DKL_NATIVE_NHWC_BWD=1
// keeps NHWC throughout.
bool blockedBackward() {
  static const bool blocked = [] {
    const char *v = std::getenv("DKL_NATIVE_NHWC_BWD");
    return v == nullptr || std::string(v) != "1";
  }();
  return blocked;
}

// `md` (an NHWC activation) as a backward pass may see it, in data type `type`.
memory::desc anyLike(const memory::desc &md, dt type = dt::f32) {
  return memory::desc(md.dims(), type, blockedBackward() ? tag::any : tag::nhwc);
}

// Forward hint for the backward passes, with the same layout freedom and operand type they get.
dnnl::convolution_forward::primitive_desc convFwdPdAny(const ConvParams &c, int precision) {
  const dt in = operandType(precision);
  dnnl::convolution_forward::desc d(prop_kind::forward_training, algorithm::convolution_direct, anyLike(c.srcMd(), in),
                                    c.anyWeightsMd(in), memory::desc(), anyLike(c.dstMd(), in), c.strides(), c.dilates(),
                                    c.padL(), c.padR());
  return dnnl::convolution_forward::primitive_desc(d, engine());
}

dnnl::convolution_backward_data::primitive_desc convBwdDataPd(const ConvParams &c, int precision) {
  const dt in = operandType(precision);
  dnnl::convolution_backward_data::desc d(algorithm::convolution_direct, anyLike(c.srcMd()), c.anyWeightsMd(in),
                                          anyLike(c.dstMd(), in), c.strides(), c.dilates(), c.padL(), c.padR());
  return dnnl::convolution_backward_data::primitive_desc(d, userScratchpad(), engine(), convFwdPdAny(c, precision));
}

dnnl::convolution_backward_weights::primitive_desc convBwdWeightsPd(const ConvParams &c, int precision) {
  const dt in = operandType(precision);
  dnnl::convolution_backward_weights::desc d(algorithm::convolution_direct, anyLike(c.srcMd(), in), c.anyWeightsMd(),
                                             anyLike(c.dstMd(), in), c.strides(), c.dilates(), c.padL(), c.padR());
  return dnnl::convolution_backward_weights::primitive_desc(d, userScratchpad(), engine(), convFwdPdAny(c, precision));
}

// The trailing optional precision argument of the conv and matmul entry points (0 when absent).
int precisionArg(const Napi::CallbackInfo &info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return 0;
  if (!info[i].IsNumber()) throw std::invalid_argument("argument 'precision' must be a number");
  const int p = info[i].As<Napi::Number>().Int32Value();
  operandType(p);
  return p;
}

// A trailing optional source id argument of the conv entry points (0 when absent: no reuse).
uint64_t sourceIdArg(const Napi::CallbackInfo &info, size_t i, const char *name) {
  const double v = optionalNumberArg(info, i, name, 0.0);
  if (!(v >= 0) || v != static_cast<double>(static_cast<uint64_t>(v))) {
    throw std::invalid_argument(std::string("argument '") + name + "' must be a non-negative integer, got " + std::to_string(v));
  }
  return static_cast<uint64_t>(v);
}

// How an entry point names its convolution operands in error messages.
struct ConvNames {
  const char *a, *aLayout, *aId, *b, *bLayout, *bId, *out;
};

// The arguments the three convolution entry points share, in one order:
// (a, b, out, params Int32Array[19], aLayout, bLayout, acceptBlocked,
// precision = 0, aId = 0, bId = 0). a and b are the operands read, stored in
// layouts aLayout and bLayout (activationMd / ConvParams::filterMd codes), with
// aId and bId naming their values for the bf16 copies (bf16_copies.h; 0 or
// absent converts anew); out is written, in a blocked layout as is when
// acceptBlocked and the primitive prefers one. Arguments are checked in order.
struct ConvCall {
  static constexpr size_t kArgs = 10;  // an entry point's own arguments follow these
  ConvNames names;
  Napi::Float32Array a, b, out;
  Napi::Int32Array params;
  int aLayout, bLayout;
  bool acceptBlocked;
  int precision;
  uint64_t aId, bId;
  ConvParams c;

  ConvCall(const Napi::CallbackInfo &info, const ConvNames &n)
      : names(n), a(f32(info, 0, n.a)), b(f32(info, 1, n.b)), out(f32(info, 2, n.out)), params(i32(info, 3, "params", 19)),
        aLayout(intArg(info, 4, n.aLayout)), bLayout(intArg(info, 5, n.bLayout)),
        acceptBlocked(info.Length() > 6 && info[6].ToBoolean()), precision(precisionArg(info, 7)),
        aId(sourceIdArg(info, 8, n.aId)), bId(sourceIdArg(info, 9, n.bId)), c(params.Data()) {}

  // The primitive cache key of pass `pass` for these params and precision.
  std::string key(const char *pass) const { return paramsKey(pass, params.Data(), 19) + ",p" + std::to_string(precision); }
};

// An activation a convolution pass reads or writes: its dims (N, C, H, W), the
// layout the primitive wants, and its execution argument.
struct ActivationArg {
  memory::dims nchw;
  memory::desc want;
  int arg;
};

// The body the forward and backward-data passes share: activation `in` (the
// call's a, in layout aLayout) and the filter (b, in bLayout) in, activation
// `out` (the call's out) written (see ActivationOut); `args` holds any further
// arguments (the bias). Returns out's layout code.
template <typename Entry>
int runActivationPass(Entry &e, ConvCall &call, const ActivationArg &in, const ActivationArg &out,
                      std::unordered_map<int, memory> &args) {
  const memory::desc outUser = activationMd(out.nchw, 0);
  checkSize(call.a, activationMd(in.nchw, 0), call.names.a);
  checkSize(call.out, outUser, call.names.out);
  args.emplace(in.arg, activationIn(activationMd(in.nchw, call.aLayout), in.want, call.a.Data(), scratchIn1, call.aId));
  args.emplace(DNNL_ARG_WEIGHTS, weightsIn(e.pd.weights_desc(), call.c.filterMd(call.bLayout), e.scratchW, call.b, call.bId));
  ActivationOut o(out.want, outUser, call.out.Data(), scratchOut, call.acceptBlocked);
  args.emplace(out.arg, o.mem());
  run(e, args);
  const int layout = o.finish();
  stream().wait();
  return layout;
}

// convForward(x, w, y, params, xLayout, wLayout, acceptBlocked, precision, xId,
// wId, bias | null, alpha = 0) -> layout code of y (see ConvCall). alpha is the
// slope of a fused leaky relu (activation code 4 in params).
Napi::Value ConvForward(const Napi::CallbackInfo &info) {
  ConvCall call(info, {"x", "xLayout", "xId", "filter", "wLayout", "wId", "y"});
  const ConvParams &c = call.c;
  float *bias = optionalF32(info, ConvCall::kArgs, "bias", static_cast<size_t>(c.oc));
  const float alpha = static_cast<float>(optionalNumberArg(info, ConvCall::kArgs + 1, "alpha", 0.0));
  const std::string key = call.key(bias != nullptr ? "fb" : "f") + "," + std::to_string(alpha);
  auto &e = cached(convFwdCache, key, [&] {
    const dnnl::primitive_attr attr = userScratchpad(activationAttr(c.act, alpha));
    return ConvFwdEntry(convFwdPd(c, bias != nullptr, prop_kind::forward_training, attr, call.precision));
  });
  std::unordered_map<int, memory> args;
  if (bias != nullptr) args.emplace(DNNL_ARG_BIAS, memory(e.pd.bias_desc(), engine(), bias));
  return Napi::Number::New(info.Env(), runActivationPass(e, call, {c.srcDims(), e.pd.src_desc(), DNNL_ARG_SRC},
                                                         {c.dstDims(), e.pd.dst_desc(), DNNL_ARG_DST}, args));
}

// convBackwardData(dy, w, dx, params, dyLayout, wLayout, acceptBlocked,
// precision, dyId, wId) -> layout code of dx (see ConvCall).
Napi::Value ConvBackwardData(const Napi::CallbackInfo &info) {
  ConvCall call(info, {"dy", "dyLayout", "dyId", "filter", "wLayout", "wId", "dx"});
  const ConvParams &c = call.c;
  auto &e = cached(convBwdDataCache, call.key("bd"), [&] { return ConvBwdDataEntry(convBwdDataPd(c, call.precision)); });
  std::unordered_map<int, memory> args;
  return Napi::Number::New(info.Env(), runActivationPass(e, call, {c.dstDims(), e.pd.diff_dst_desc(), DNNL_ARG_DIFF_DST},
                                                         {c.srcDims(), e.pd.diff_src_desc(), DNNL_ARG_DIFF_SRC}, args));
}

// convBackwardWeights(x, dy, dw, params, xLayout, dyLayout, acceptBlocked,
// precision, xId, dyId) -> layout code of dw (see ConvCall): HWIO, or the
// primitive's blocked filter layout (see ConvParams::filterMd) written as is
// when acceptBlocked.
Napi::Value ConvBackwardWeights(const Napi::CallbackInfo &info) {
  ConvCall call(info, {"x", "xLayout", "xId", "dy", "dyLayout", "dyId", "dw"});
  const ConvParams &c = call.c;
  auto &e = cached(convBwdWeightsCache, call.key("bw"),
                   [&] { return ConvBwdWeightsEntry(convBwdWeightsPd(c, call.precision)); });
  checkSize(call.a, c.srcMd(), "x");
  checkSize(call.b, c.dstMd(), "dy");
  checkSize(call.out, c.userWeightsMd(), "dw");
  memory src = activationIn(c.srcMd(call.aLayout), e.pd.src_desc(), call.a.Data(), scratchIn1, call.aId);
  memory dyMem = activationIn(c.dstMd(call.bLayout), e.pd.diff_dst_desc(), call.b.Data(), scratchIn2, call.bId);
  const int want = c.filterBlockOf(e.pd.diff_weights_desc());
  const bool direct = want == 0 || (want > 0 && call.acceptBlocked);
  memory user(direct ? e.pd.diff_weights_desc() : c.userWeightsMd(), engine(), call.out.Data());
  memory dwMem = direct ? user : e.scratchW;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, dyMem}, {DNNL_ARG_DIFF_WEIGHTS, dwMem}};
  run(e, args);
  if (!direct) dnnl::reorder(dwMem, user).execute(stream(), dwMem, user);
  stream().wait();
  return Napi::Number::New(info.Env(), direct ? want : 0);
}

// convImpls(params, precision) -> { forward, backwardData, backwardWeights }:
// the oneDNN implementation names the three passes of this convolution get
// (e.g. brgconv:avx512_core_bf16), for tests and the README's op table.
Napi::Value ConvImpls(const Napi::CallbackInfo &info) {
  auto p = i32(info, 0, "params", 19);
  const int precision = precisionArg(info, 1);
  ConvParams c(p.Data());
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("forward", convFwdPd(c, false, prop_kind::forward_training, userScratchpad(), precision).impl_info_str());
  o.Set("backwardData", convBwdDataPd(c, precision).impl_info_str());
  o.Set("backwardWeights", convBwdWeightsPd(c, precision).impl_info_str());
  return o;
}

// ---- layouts -----------------------------------------------------------------

// The body of relayout and relayoutFilter, (src, dst, dims Int32Array[4],
// fromLayout, toLayout): copies src, described by mdOf(dims, fromLayout), into
// dst, described by mdOf(dims, toLayout).
template <typename MdOf>
Napi::Value reorderCall(const Napi::CallbackInfo &info, MdOf mdOf) {
  auto [src, dst] = f32Args(info, 0, {"src", "dst"});
  auto d = i32(info, 2, "dims", 4);
  const int from = intArg(info, 3, "fromLayout"), to = intArg(info, 4, "toLayout");
  const memory::desc fromMd = mdOf(d.Data(), from), toMd = mdOf(d.Data(), to);
  checkSize(src, fromMd, "src");
  checkSize(dst, toMd, "dst");
  memory a(fromMd, engine(), src.Data()), b(toMd, engine(), dst.Data());
  dnnl::reorder(a, b).execute(stream(), a, b);
  stream().wait();
  return info.Env().Undefined();
}

// relayout(src, dst, dims = [n, h, w, c], fromLayout, toLayout): copies an
// activation between NHWC and the blocked layouts.
Napi::Value Relayout(const Napi::CallbackInfo &info) {
  return reorderCall(info, [](const int32_t *d, int layout) { return activationMd({d[0], d[3], d[1], d[2]}, layout); });
}

// relayoutFilter(src, dst, dims = [kh, kw, in, out], fromLayout, toLayout):
// copies an ungrouped filter between HWIO and the blocked layouts.
Napi::Value RelayoutFilter(const Napi::CallbackInfo &info) {
  return reorderCall(info, [](const int32_t *q, int layout) {
    // A 1x1 stride-1 convolution description of the filter's shape.
    const int32_t params[19] = {1, 1, 1, q[2], 1, 1, q[3], q[0], q[1], 1, 1, 1, 1, 0, 0, 0, 0, 1, 0};
    return ConvParams(params).filterMd(layout);
  });
}

// ---- matmul ----------------------------------------------------------------

struct MatMulEntry {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul prim;
};
std::unordered_map<std::string, MatMulEntry> matmulCache;

// matMul(a, b, bias | null, out, params Int32Array[8] = [batchA, batchB, M, K, N,
// transposeA, transposeB, act], alpha). a is [batchA, M, K] (or [batchA, K, M]
// when transposed), b is [batchB, K, N] (or [batchB, N, K]); a batch of 1
// broadcasts. The bias has N elements.
Napi::Value MatMul(const Napi::CallbackInfo &info) {
  auto a = f32(info, 0, "a");
  auto b = f32(info, 1, "b");
  const bool withBias = !info[2].IsNull() && !info[2].IsUndefined();
  float *bias = withBias ? f32(info, 2, "bias").Data() : nullptr;
  auto out = f32(info, 3, "out");
  auto p = i32(info, 4, "params", 8);
  const float alpha = static_cast<float>(info[5].As<Napi::Number>().DoubleValue());
  const int32_t *q = p.Data();
  const int64_t ba = q[0], bb = q[1], m = q[2], k = q[3], n = q[4];
  const bool ta = q[5] != 0, tb = q[6] != 0;
  const int64_t act = q[7];
  const int precision = precisionArg(info, 6);
  const dt in = operandType(precision);
  std::string key = paramsKey(withBias ? "mb" : "m", q, 8) + "," + std::to_string(alpha) + ",p" + std::to_string(precision);
  auto &e = cached(matmulCache, key, [&] {
    const int64_t bo = std::max(ba, bb);
    memory::desc aMd({ba, m, k}, in, ta ? memory::dims{m * k, 1, m} : memory::dims{m * k, k, 1});
    memory::desc bMd({bb, k, n}, in, tb ? memory::dims{k * n, 1, k} : memory::dims{k * n, n, 1});
    memory::desc oMd({bo, m, n}, dt::f32, memory::dims{m * n, n, 1});
    memory::desc biasMd = withBias ? memory::desc({1, 1, n}, dt::f32, memory::dims{n, n, 1}) : memory::desc();
    dnnl::matmul::desc d(aMd, bMd, biasMd, oMd);
    dnnl::matmul::primitive_desc pd(d, userScratchpad(activationAttr(act, alpha)), engine());
    return MatMulEntry{pd, dnnl::matmul(pd)};
  });
  // The caller's fp32 operands, described with the primitive's strides.
  const memory::desc aUser = retyped(e.pd.src_desc(), dt::f32), bUser = retyped(e.pd.weights_desc(), dt::f32);
  checkSize(a, aUser, "a");
  checkSize(b, bUser, "b");
  checkSize(out, e.pd.dst_desc(), "out");
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, activationIn(aUser, e.pd.src_desc(), a.Data(), scratchIn1)},
                                       {DNNL_ARG_WEIGHTS, activationIn(bUser, e.pd.weights_desc(), b.Data(), scratchIn2)},
                                       {DNNL_ARG_DST, memory(e.pd.dst_desc(), engine(), out.Data())}};
  if (withBias) args.emplace(DNNL_ARG_BIAS, memory(e.pd.bias_desc(), engine(), bias));
  run(e, args);
  stream().wait();
  return info.Env().Undefined();
}

// ---- pooling ---------------------------------------------------------------

// params Int32Array[15] = [n, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pb, pl, pr, kind]
// kind 0 = max, 1 = average (padding excluded from the count, as in tfjs).
struct PoolParams {
  int64_t n, ih, iw, c, oh, ow, kh, kw, sh, sw, pt, pb, pl, pr, kind;
  std::string key;  // the primitive cache key of pass `pass`
  // The params argument `i` of a pooling pass `pass`.
  PoolParams(const Napi::CallbackInfo &info, size_t i, const char *pass) : PoolParams(i32(info, i, "params", 15).Data(), pass) {}
  PoolParams(const int32_t *p, const char *pass)
      : n(p[0]), ih(p[1]), iw(p[2]), c(p[3]), oh(p[4]), ow(p[5]), kh(p[6]), kw(p[7]), sh(p[8]),
        sw(p[9]), pt(p[10]), pb(p[11]), pl(p[12]), pr(p[13]), kind(p[14]), key(paramsKey(pass, p, 15)) {
    if ((ih - kh + pt + pb) / sh + 1 != oh) pb = (oh - 1) * sh + kh - ih - pt;
    if ((iw - kw + pl + pr) / sw + 1 != ow) pr = (ow - 1) * sw + kw - iw - pl;
  }
  algorithm alg() const { return kind == 0 ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding; }
  memory::desc srcMd() const { return memory::desc({n, c, ih, iw}, dt::f32, tag::nhwc); }
  memory::desc dstMd() const { return memory::desc({n, c, oh, ow}, dt::f32, tag::nhwc); }
  dnnl::pooling_forward::primitive_desc fwdPd(prop_kind prop) const {
    dnnl::pooling_forward::desc d(prop, alg(), srcMd(), dstMd(), {sh, sw}, {kh, kw}, {pt, pl}, {pb, pr});
    return dnnl::pooling_forward::primitive_desc(d, engine());
  }
};

struct PoolFwdEntry {
  dnnl::pooling_forward::primitive_desc pd;
  dnnl::pooling_forward prim;
  explicit PoolFwdEntry(const PoolParams &c) : pd(c.fwdPd(prop_kind::forward_inference)), prim(pd) {}
};
struct PoolBwdEntry {
  dnnl::pooling_forward::primitive_desc fwdPd;  // training mode: has a workspace for max
  dnnl::pooling_forward fwd;
  dnnl::pooling_backward::primitive_desc pd;
  dnnl::pooling_backward prim;
  explicit PoolBwdEntry(const PoolParams &c)
      : fwdPd(c.fwdPd(prop_kind::forward_training)), fwd(fwdPd),
        pd(dnnl::pooling_backward::desc(c.alg(), c.srcMd(), c.dstMd(), {c.sh, c.sw}, {c.kh, c.kw}, {c.pt, c.pl}, {c.pb, c.pr}),
           engine(), fwdPd),
        prim(pd) {}
};
std::unordered_map<std::string, PoolFwdEntry> poolFwdCache;
std::unordered_map<std::string, PoolBwdEntry> poolBwdCache;

// poolForward(x, y, params)
Napi::Value PoolForward(const Napi::CallbackInfo &info) {
  auto [x, y] = f32Args(info, 0, {"x", "y"});
  const PoolParams c(info, 2, "pf");
  auto &e = cached(poolFwdCache, c.key, [&] { return PoolFwdEntry(c); });
  checkSize(x, e.pd.src_desc(), "x");
  checkSize(y, e.pd.dst_desc(), "y");
  e.prim.execute(stream(), {{DNNL_ARG_SRC, memory(e.pd.src_desc(), engine(), x.Data())},
                            {DNNL_ARG_DST, memory(e.pd.dst_desc(), engine(), y.Data())}});
  stream().wait();
  return info.Env().Undefined();
}

// poolBackward(dy, x, dx, params): max pooling recomputes the forward pass to
// get oneDNN's argmax workspace (tfjs hands the kernel x and y, not indices).
Napi::Value PoolBackward(const Napi::CallbackInfo &info) {
  auto [dy, x, dx] = f32Args(info, 0, {"dy", "x", "dx"});
  const PoolParams c(info, 3, "pb");
  auto &e = cached(poolBwdCache, c.key, [&] { return PoolBwdEntry(c); });
  checkSize(dy, e.pd.diff_dst_desc(), "dy");
  checkSize(dx, e.pd.diff_src_desc(), "dx");
  memory dyMem(e.pd.diff_dst_desc(), engine(), dy.Data());
  memory dxMem(e.pd.diff_src_desc(), engine(), dx.Data());
  std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, dyMem}, {DNNL_ARG_DIFF_SRC, dxMem}};
  if (c.kind == 0) {
    checkSize(x, e.fwdPd.src_desc(), "x");
    memory ws(e.fwdPd.workspace_desc(), engine());
    memory yTmp(e.fwdPd.dst_desc(), engine());
    e.fwd.execute(stream(), {{DNNL_ARG_SRC, memory(e.fwdPd.src_desc(), engine(), x.Data())},
                             {DNNL_ARG_DST, yTmp},
                             {DNNL_ARG_WORKSPACE, ws}});
    args.emplace(DNNL_ARG_WORKSPACE, ws);
  }
  e.prim.execute(stream(), args);
  stream().wait();
  return info.Env().Undefined();
}

}  // namespace

void RegisterOneDnnKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("convForward", Napi::Function::New(env, Guard<ConvForward>));
  exports.Set("convBackwardData", Napi::Function::New(env, Guard<ConvBackwardData>));
  exports.Set("convBackwardWeights", Napi::Function::New(env, Guard<ConvBackwardWeights>));
  exports.Set("matMul", Napi::Function::New(env, Guard<MatMul>));
  exports.Set("convImpls", Napi::Function::New(env, Guard<ConvImpls>));
  exports.Set("relayout", Napi::Function::New(env, Guard<Relayout>));
  exports.Set("relayoutFilter", Napi::Function::New(env, Guard<RelayoutFilter>));
  exports.Set("poolForward", Napi::Function::New(env, Guard<PoolForward>));
  exports.Set("poolBackward", Napi::Function::New(env, Guard<PoolBackward>));
}

}  // namespace dkl
