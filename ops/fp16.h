// IEEE half (F16) and bfloat16 (BF16) conversions, bit-exact and identical in
// every path (F16C's vcvtph2ps / vcvtps2ph with round-to-nearest-even give the
// same results as these functions, for all inputs including subnormals).
#pragma once

#include <bit>
#include <cstdint>

namespace llmzip::ops {

// Exact (every half is representable as a float).
inline float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / NaN (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise.
    uint32_t e = 113;
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    bits = sign | (e << 23) | ((mant & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(bits);
}

// Round to nearest, ties to even; overflow gives infinity; NaN stays NaN.
inline uint16_t f32_to_f16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) {  // inf or NaN
    return sign | 0x7c00u | (ax > 0x7f800000u ? 0x200u : 0u);
  }
  if (ax >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: inf
  if (ax < 0x38800000u) {  // below the smallest normal half (2^-14): subnormal or zero
    if (ax < 0x33000000u) return sign;  // < 2^-25: rounds to zero (2^-25 itself ties to 0)
    const uint32_t e = ax >> 23;                       // 102..112
    const uint32_t m = (ax & 0x7fffffu) | 0x800000u;  // 24-bit significand
    const uint32_t shift = 126 - e;                    // bits dropped: 14..24
    uint32_t q = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) ++q;
    return sign | static_cast<uint16_t>(q);
  }
  // Normal: rebias exponent, round 13 dropped bits to nearest even (carry may bump the exponent).
  uint32_t v = ax - 0x38000000u;  // exponent 127 -> 15
  const uint32_t rem = v & 0x1fffu;
  v >>= 13;
  if (rem > 0x1000u || (rem == 0x1000u && (v & 1))) ++v;
  return sign | static_cast<uint16_t>(v);
}

// Exact.
inline float bf16_to_f32(uint16_t h) { return std::bit_cast<float>(static_cast<uint32_t>(h) << 16); }

// Round to nearest even (NaN kept quiet), as ggml does.
inline uint16_t f32_to_bf16(float f) {
  uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 64);
  return static_cast<uint16_t>((x + (0x7fffu + ((x >> 16) & 1))) >> 16);
}

// Rounds a float to the nearest half and back (Q8_0 scales are stored as F16).
inline float round_to_f16(float f) { return f16_to_f32(f32_to_f16(f)); }

}  // namespace llmzip::ops
