// avx512 kernels (owned by the SIMD engineer). Compiled with per-file avx512 flags
// (ops/CMakeLists.txt). Overwrites only the entries implemented here; the rest
// stay scalar (or AVX2 for AVX-512). Every entry must match kernels.h bit for bit.
#include "ops/kernels.h"

namespace llmzip::ops {

void install_avx512_kernels(Kernels& k) { (void)k; }

}  // namespace llmzip::ops
