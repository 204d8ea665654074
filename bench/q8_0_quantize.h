// F32 -> Q8_0 quantization and F32 -> F16 conversion for the benchmark model
// generator (offline tooling, not the engine's numeric path).
//
// Q8_0 block (34 bytes per 32 values), as in ggml: fp16 scale d = amax/127,
// then 32 int8 q = round(x/d) (round half away from zero, computed as x * (1/d)
// like ggml's reference quantizer so files match what llama.cpp would write).
#pragma once

#include <cstddef>
#include <cstdint>

namespace llmzip::bench {

inline constexpr size_t kQ8_0Block = 32;
inline constexpr size_t kQ8_0Bytes = 34;

// IEEE binary32 -> binary16, round to nearest even; overflow -> inf, NaN kept.
uint16_t f32_to_f16(float x);
// binary16 -> binary32 (exact).
float f16_to_f32(uint16_t h);

// Quantizes n values (n % 32 == 0, asserted) into n/32 blocks at `out`.
void quantize_row_q8_0(const float* x, size_t n, uint8_t* out);
// Inverse, for tests: out[i] = d * q[i].
void dequantize_row_q8_0(const uint8_t* in, size_t n, float* out);

}  // namespace llmzip::bench
