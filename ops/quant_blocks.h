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

// value[j] = d * (((qs[j] & 15) | (bit j of qh) << 4) - 16),
// value[j + 16] = d * (((qs[j] >> 4) | (bit j+16 of qh) << 4) - 16), j < 16;
// qh is a little-endian uint32.
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[kQK8_0 / 2];
};
static_assert(sizeof(BlockQ5_0) == 22);

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

// Q4_K plus a fifth bit: element 64*k + i (i < 32) adds 16 if bit 2k of qh[i]
// is set, element 64*k + 32 + i if bit 2k+1 of qh[i] is set.
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[kQK_K / 8];
  uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 176);

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

// Unpacks the 32 5-bit values (0..31) of a Q5_0 block in element order.
inline void unpack_q5_0(const BlockQ5_0& b, int8_t out[32]) {
  const uint32_t qh = uint32_t{b.qh[0]} | uint32_t{b.qh[1]} << 8 | uint32_t{b.qh[2]} << 16 | uint32_t{b.qh[3]} << 24;
  for (int j = 0; j < 16; ++j) {
    out[j] = static_cast<int8_t>((b.qs[j] & 15) | ((qh >> j) & 1) << 4);
    out[j + 16] = static_cast<int8_t>((b.qs[j] >> 4) | ((qh >> (j + 16)) & 1) << 4);
  }
}

// Unpacks the 256 5-bit values (0..31) of a Q5_K block in element order.
inline void unpack_q5_k(const BlockQ5_K& b, uint8_t out[kQK_K]) {
  for (int k = 0; k < 4; ++k) {
    for (int i = 0; i < 32; ++i) {
      out[64 * k + i] = static_cast<uint8_t>((b.qs[32 * k + i] & 15) | ((b.qh[i] >> (2 * k)) & 1) << 4);
      out[64 * k + 32 + i] = static_cast<uint8_t>((b.qs[32 * k + i] >> 4) | ((b.qh[i] >> (2 * k + 1)) & 1) << 4);
    }
  }
}

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
