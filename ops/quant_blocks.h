// Block layouts of the quantized weight types, byte-compatible with ggml/GGUF.
// Weights are read in place from the mapped file through these structs (all
// fields are bytes or uint16, so alignment 2 suffices; GGUF aligns tensor data).
#pragma once

#include <cstddef>
#include <cstdint>

namespace llmzip::ops {

inline constexpr int kQK8_0 = 32;  // elements per Q8_0 / Q4_0 block
inline constexpr int kQK_K = 256;  // elements per K-quant super-block

// value[i] = d * qs[i]
struct BlockQ8_0 {
  uint16_t d;  // F16 scale
  int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34);

// value[j] = d * ((qs[j] & 15) - 8), value[j + 16] = d * ((qs[j] >> 4) - 8), j < 16
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[kQK8_0 / 2];
};
static_assert(sizeof(BlockQ4_0) == 18);

// 8 sub-blocks of 32; sub-block s has 6-bit scale sc[s] and min m[s] packed in
// `scales` (see unpack_q4_k_scales). Elements 64*k + i (i < 32) are the low
// nibbles of qs[32*k + i] (sub-block 2k); elements 64*k + 32 + i the high nibbles
// (sub-block 2k+1). value = (d * sc[s]) * q - (dmin * m[s]).
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 144);

// 16 sub-blocks of 16 with int8 scales. Within each half h (128 elements, ql +=
// 64*h, qh += 32*h, sc += 8*h) and l < 32:
//   q[l]      = (ql[l]    & 15) | ((qh[l] >> 0 & 3) << 4), scale sc[l/16 + 0]
//   q[l + 32] = (ql[l+32] & 15) | ((qh[l] >> 2 & 3) << 4), scale sc[l/16 + 2]
//   q[l + 64] = (ql[l]    >> 4) | ((qh[l] >> 4 & 3) << 4), scale sc[l/16 + 4]
//   q[l + 96] = (ql[l+32] >> 4) | ((qh[l] >> 6 & 3) << 4), scale sc[l/16 + 6]
// value = (d * sc) * (q - 32).
struct BlockQ6_K {
  uint8_t ql[kQK_K / 2];
  uint8_t qh[kQK_K / 4];
  int8_t scales[kQK_K / 16];
  uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210);

// Unpacks the 8 six-bit scales and mins of a Q4_K block (ggml's get_scale_min_k4).
inline void unpack_q4_k_scales(const uint8_t* q, uint8_t sc[8], uint8_t m[8]) {
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      sc[j] = q[j] & 63;
      m[j] = q[j + 4] & 63;
    } else {
      sc[j] = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
      m[j] = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
  }
}

}  // namespace llmzip::ops
