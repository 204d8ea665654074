// The test-only weight quantizer: known blocks, and values read back through
// the block layouts of ops/quant_blocks.h agree with the inputs to half a step.
#include "testing/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "ops/fp16.h"

namespace llmzip::testutil {
namespace {

TEST(QuantizeQ8_0, KnownBlock) {
  float x[32];
  for (int i = 0; i < 32; ++i) x[i] = static_cast<float>(i - 16) / 16.0f;  // amax = 1
  uint8_t out[34];
  quantize_row_q8_0(x, 32, out);
  const uint16_t d = static_cast<uint16_t>(out[0] | (out[1] << 8));
  EXPECT_EQ(d, ops::f32_to_f16(1.0f / 127.0f));
  EXPECT_EQ(static_cast<int8_t>(out[2]), -127);     // x = -1
  EXPECT_EQ(static_cast<int8_t>(out[2 + 16]), 0);   // x = 0
  EXPECT_EQ(static_cast<int8_t>(out[2 + 24]), 64);  // 0.5*127 = 63.5 -> 64 (away from 0)
  float back[32];
  dequantize_row_q8_0(out, 32, back);
  for (int i = 0; i < 32; ++i) EXPECT_NEAR(back[i], x[i], 0.5f / 127.0f + 1e-4f);
}

TEST(QuantizeQ8_0, ZeroBlock) {
  float x[64] = {};
  uint8_t out[68];
  std::memset(out, 0xaa, sizeof out);
  quantize_row_q8_0(x, 64, out);
  for (uint8_t b : out) EXPECT_EQ(b, 0);
  EXPECT_EQ(q8_0_bytes(std::vector<float>(64, 0.0f)), std::string(68, '\0'));
}

TEST(QuantizeQ5_0, ValuesReadBackWithinHalfAStep) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(96);
  for (float& v : x) v = nd(rng);
  const std::string q = q5_0_bytes(x);
  ASSERT_EQ(q.size(), 3 * sizeof(ops::BlockQ5_0));
  for (size_t b = 0; b < 3; ++b) {
    ops::BlockQ5_0 blk;
    std::memcpy(&blk, q.data() + b * sizeof blk, sizeof blk);
    const float d = ops::f16_to_f32(blk.d);
    uint32_t qh;
    std::memcpy(&qh, blk.qh, 4);
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::fmax(amax, std::fabs(x[b * 32 + i]));
    EXPECT_NEAR(std::fabs(d), amax / 16.0f, amax * 1e-3f);  // the largest value maps to -16 steps
    for (int j = 0; j < 32; ++j) {
      const int nib = j < 16 ? blk.qs[j] & 15 : blk.qs[j - 16] >> 4;
      const int v = nib | static_cast<int>((qh >> j) & 1) << 4;
      // Half a step, but ggml clamps the step above the largest one (v = 31).
      const float tol = (v == 31 ? 1.0f : 0.5f) * std::fabs(d) + 1e-4f;
      EXPECT_NEAR(d * static_cast<float>(v - 16), x[b * 32 + j], tol) << b << " " << j;
    }
  }
}

}  // namespace
}  // namespace llmzip::testutil
