// bf16 copies of fp32 operands, kept across convolution calls.
//
// A bf16 convolution reads its fp32 operands through a rounding reorder. The
// same operand (an activation, an output gradient, a filter) is read by two
// passes of a training step, so the copy made for the first is kept for the
// second. A copy is keyed by the id the TS side gives to one tensor's values
// (NativeBackend.sourceId): ids are never reused, and the TS side releases an
// id when its values go away (the tensor is disposed, moved or read out), so a
// held copy always matches its source. Memory is bounded: copies plus parked
// buffers stay under DKL_NATIVE_BF16_COPIES_MB (default 1024) MiB; past it, a
// conversion goes to the call's scratch buffer as without reuse.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>
#include <cstdint>

namespace dkl {

// What an operand is: the same values read as an activation and as a filter
// are different arrays of numbers, so their copies never stand for each other.
enum class OperandRole : int { activation = 0, filter = 1 };

// The held copy of source `id` in `md` for `role`, or nullptr.
void *findBf16Copy(uint64_t id, OperandRole role, const dnnl::memory::desc &md);

// A buffer of md.get_size() bytes registered as the copy of source `id` in `md`
// (the caller fills it), or nullptr when the bound would be exceeded.
void *addBf16Copy(uint64_t id, OperandRole role, const dnnl::memory::desc &md);

// Drops every copy of source `id`; their buffers are parked for reuse.
void releaseBf16Copies(uint64_t id);

// Frees every copy and parked buffer.
void clearBf16Copies();

// Counts a bf16 conversion made (`reused` false) or saved (`reused` true) by a
// conv or matmul entry point, for bf16CopyStats.
void countBf16Operand(bool reused);

struct Bf16CopyStats {
  size_t sources, copies, bytes, parkedBytes;
  // Since the process started: bf16 conversions made, and saved by a held copy.
  double converted, reused;
};
Bf16CopyStats bf16CopyStats();

}  // namespace dkl
