// F32 -> quantized weight blocks for synthetic models (tests and the benchmark
// model generator): the one weight quantizer of the code base. Not the engine's
// numeric path (the engine never quantizes weights; it quantizes activations,
// ops/kernels.h). F16 conversion is ops/fp16.h's.
//
// One rounding rule, ggml's reference quantizers (quantize_row_q8_0_ref,
// quantize_row_q5_0_ref), so the files match what llama.cpp would write:
//  - Q8_0 (34 bytes per 32 values): d = amax / 127, stored as F16 of that;
//    q_i = round(x_i * (1/d)), round half away from zero (|q| <= 127).
//  - Q5_0 (22 bytes per 32 values): max = the x_i of largest magnitude (its
//    sign kept); d = max / -16, stored as F16 of that; q_i = min(31,
//    trunc(x_i * (1/d) + 16.5)); the 5th bits go to qh (bit i for value i),
//    low nibbles pair value j with j + 16.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ops/quant_blocks.h"

namespace llmzip::testutil {

inline constexpr size_t kQ8_0Block = ops::kQK8_0;  // values per block (Q8_0 and Q5_0)
inline constexpr size_t kQ8_0Bytes = sizeof(ops::BlockQ8_0);
inline constexpr size_t kQ5_0Bytes = sizeof(ops::BlockQ5_0);

// Quantizes n values (n % 32 == 0, asserted) into n/32 blocks at `out`.
void quantize_row_q8_0(const float* x, size_t n, uint8_t* out);
// Inverse: out[i] = d * q[i].
void dequantize_row_q8_0(const uint8_t* in, size_t n, float* out);
// The blocks of a whole tensor (x.size() % 32 == 0) as bytes for a GGUF writer.
std::string q8_0_bytes(const std::vector<float>& x);

// Q5_0, as above (the fallback type of Q4_K_M files for rows not a multiple of 256).
void quantize_row_q5_0(const float* x, size_t n, uint8_t* out);
std::string q5_0_bytes(const std::vector<float>& x);

}  // namespace llmzip::testutil
