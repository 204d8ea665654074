#include "bench/q8_0_quantize.h"

#include <cassert>
#include <cmath>
#include <cstring>

namespace llmzip::bench {

uint16_t f32_to_f16(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  const uint32_t sign = (b >> 16) & 0x8000u;
  const uint32_t exp = (b >> 23) & 0xffu;
  uint32_t man = b & 0x7fffffu;
  if (exp == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (man ? 0x200u : 0u));
  // Unbiased exponent e; half normal range is e in [-14, 15].
  const int e = static_cast<int>(exp) - 127;
  if (e > 15) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e >= -14) {
    // Normal half: keep 10 mantissa bits, round to nearest even on the 13 dropped.
    uint32_t h = (static_cast<uint32_t>(e + 15) << 10) | (man >> 13);
    const uint32_t rest = man & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // may carry into exp: correct
    return static_cast<uint16_t>(sign | h);
  }
  // Subnormal half (or zero): value = m * 2^-24 with m < 1024.
  if (e < -25) return static_cast<uint16_t>(sign);  // below half the smallest subnormal
  man |= 0x800000u;  // implicit bit; x = man * 2^(e-23)
  const int shift = -e - 1;  // m = man >> (e-23+24) ... = man >> (-1-e)
  uint32_t h = man >> shift;
  const uint32_t rest = man & ((1u << shift) - 1u);
  const uint32_t halfway = 1u << (shift - 1);
  if (rest > halfway || (rest == halfway && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = (static_cast<uint32_t>(h) & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t man = h & 0x3ffu;
  uint32_t b;
  if (exp == 0x1f) {
    b = sign | 0x7f800000u | (man << 13);
  } else if (exp != 0) {
    b = sign | ((exp + 112u) << 23) | (man << 13);
  } else if (man == 0) {
    b = sign;
  } else {
    // Subnormal: exact in float.
    float v = static_cast<float>(man) * (1.0f / 16777216.0f);
    std::memcpy(&b, &v, 4);
    b |= sign;
  }
  float out;
  std::memcpy(&out, &b, 4);
  return out;
}

void quantize_row_q8_0(const float* x, size_t n, uint8_t* out) {
  assert(n % kQ8_0Block == 0);
  for (size_t blk = 0; blk < n / kQ8_0Block; ++blk) {
    const float* xb = x + blk * kQ8_0Block;
    uint8_t* ob = out + blk * kQ8_0Bytes;
    float amax = 0.0f;
    for (size_t i = 0; i < kQ8_0Block; ++i) amax = std::fmax(amax, std::fabs(xb[i]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const uint16_t dh = f32_to_f16(d);
    ob[0] = static_cast<uint8_t>(dh & 0xff);
    ob[1] = static_cast<uint8_t>(dh >> 8);
    for (size_t i = 0; i < kQ8_0Block; ++i) {
      const float q = std::round(xb[i] * id);  // |q| <= 127 by construction of d
      ob[2 + i] = static_cast<uint8_t>(static_cast<int8_t>(q));
    }
  }
}

void dequantize_row_q8_0(const uint8_t* in, size_t n, float* out) {
  assert(n % kQ8_0Block == 0);
  for (size_t blk = 0; blk < n / kQ8_0Block; ++blk) {
    const uint8_t* ib = in + blk * kQ8_0Bytes;
    const float d = f16_to_f32(static_cast<uint16_t>(ib[0] | (ib[1] << 8)));
    for (size_t i = 0; i < kQ8_0Block; ++i)
      out[blk * kQ8_0Block + i] = d * static_cast<float>(static_cast<int8_t>(ib[2 + i]));
  }
}

}  // namespace llmzip::bench
