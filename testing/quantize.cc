#include "testing/quantize.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "ops/fp16.h"

namespace llmzip::testutil {
namespace {

void put_f16(uint8_t* p, float v) {
  const uint16_t h = ops::f32_to_f16(v);
  p[0] = static_cast<uint8_t>(h & 0xff);
  p[1] = static_cast<uint8_t>(h >> 8);
}

}  // namespace

void quantize_row_q8_0(const float* x, size_t n, uint8_t* out) {
  assert(n % kQ8_0Block == 0);
  for (size_t blk = 0; blk < n / kQ8_0Block; ++blk) {
    const float* xb = x + blk * kQ8_0Block;
    uint8_t* ob = out + blk * kQ8_0Bytes;
    float amax = 0.0f;
    for (size_t i = 0; i < kQ8_0Block; ++i) amax = std::fmax(amax, std::fabs(xb[i]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    put_f16(ob, d);
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
    const float d = ops::f16_to_f32(static_cast<uint16_t>(ib[0] | (ib[1] << 8)));
    for (size_t i = 0; i < kQ8_0Block; ++i)
      out[blk * kQ8_0Block + i] = d * static_cast<float>(static_cast<int8_t>(ib[2 + i]));
  }
}

std::string q8_0_bytes(const std::vector<float>& x) {
  std::string out(x.size() / kQ8_0Block * kQ8_0Bytes, '\0');
  quantize_row_q8_0(x.data(), x.size(), reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

void quantize_row_q5_0(const float* x, size_t n, uint8_t* out) {
  assert(n % kQ8_0Block == 0);
  for (size_t blk = 0; blk < n / kQ8_0Block; ++blk) {
    const float* xb = x + blk * kQ8_0Block;
    uint8_t* ob = out + blk * kQ5_0Bytes;
    float amax = 0.0f, max = 0.0f;
    for (size_t i = 0; i < kQ8_0Block; ++i) {
      if (amax < std::fabs(xb[i])) {
        amax = std::fabs(xb[i]);
        max = xb[i];
      }
    }
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    put_f16(ob, d);
    uint32_t qh = 0;
    for (size_t j = 0; j < kQ8_0Block / 2; ++j) {
      const int q0 = std::min(31, static_cast<int>(xb[j] * id + 16.5f));  // truncation, as ggml's (int8_t) cast
      const int q1 = std::min(31, static_cast<int>(xb[j + 16] * id + 16.5f));
      ob[6 + j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j;
      qh |= static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + 16);
    }
    for (int k = 0; k < 4; ++k) ob[2 + k] = static_cast<uint8_t>(qh >> (8 * k));
  }
}

std::string q5_0_bytes(const std::vector<float>& x) {
  std::string out(x.size() / kQ8_0Block * kQ5_0Bytes, '\0');
  quantize_row_q5_0(x.data(), x.size(), reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

}  // namespace llmzip::testutil
