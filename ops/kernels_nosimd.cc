// Empty SIMD install functions for builds without the x86 SIMD files
// (-DLLMZIP_SIMD_KERNELS=OFF, or non-x86 targets): every level uses scalar.
#include "ops/kernels.h"

namespace llmzip::ops {

void install_avx2_kernels(Kernels&) {}
void install_avx512_kernels(Kernels&) {}

}  // namespace llmzip::ops
