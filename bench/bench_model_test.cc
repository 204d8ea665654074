#include "bench/bench_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "bench/q8_0_quantize.h"
#include "gguf/gguf.h"

namespace llmzip::bench {
namespace {

TEST(F16, KnownValues) {
  EXPECT_EQ(f32_to_f16(0.0f), 0x0000);
  EXPECT_EQ(f32_to_f16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);  // rounds up to inf
  EXPECT_EQ(f32_to_f16(1e6f), 0x7c00);
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -24)), 0x0001);  // smallest subnormal
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);  // tie -> even (0)
  EXPECT_EQ(f32_to_f16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(f32_to_f16(std::ldexp(3.0f, -25)), 0x0002);  // 1.5 ulp tie -> even (2)
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie -> even
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(3.0f, -11)), 0x3c02);  // tie -> even (up)
}

TEST(F16, RoundTripAllHalves) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const uint32_t exp = (h >> 10) & 0x1f;
    if (exp == 0x1f && (h & 0x3ff)) continue;  // NaN payloads need not survive
    EXPECT_EQ(f32_to_f16(f16_to_f32(static_cast<uint16_t>(h))), h) << std::hex << h;
  }
}

TEST(Q8_0, QuantizeKnownBlock) {
  float x[32];
  for (int i = 0; i < 32; ++i) x[i] = static_cast<float>(i - 16) / 16.0f;  // amax = 1
  uint8_t out[34];
  quantize_row_q8_0(x, 32, out);
  const uint16_t d = static_cast<uint16_t>(out[0] | (out[1] << 8));
  EXPECT_EQ(d, f32_to_f16(1.0f / 127.0f));
  EXPECT_EQ(static_cast<int8_t>(out[2]), -127);           // x = -1
  EXPECT_EQ(static_cast<int8_t>(out[2 + 16]), 0);         // x = 0
  EXPECT_EQ(static_cast<int8_t>(out[2 + 24]), 64);        // 0.5*127 = 63.5 -> 64 (away from 0)
  float back[32];
  dequantize_row_q8_0(out, 32, back);
  for (int i = 0; i < 32; ++i) EXPECT_NEAR(back[i], x[i], 0.5f / 127.0f + 1e-4f);
}

TEST(Q8_0, ZeroBlock) {
  float x[64] = {};
  uint8_t out[68];
  std::memset(out, 0xaa, sizeof out);
  quantize_row_q8_0(x, 64, out);
  for (uint8_t b : out) EXPECT_EQ(b, 0);
}

TEST(BenchModel, UnknownNameListsKnown) {
  auto s = bench_model_spec("gpt-5");
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.status().message().find("smollm2-135m"), std::string::npos);
}

TEST(BenchModel, TinyModelParsesWithExpectedShapes) {
  auto spec = bench_model_spec("tiny");
  ASSERT_TRUE(spec.is_ok());
  const std::string bytes = make_bench_model(*spec, 7);
  EXPECT_EQ(bytes, make_bench_model(*spec, 7));  // reproducible
  auto f = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "tiny");
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  EXPECT_EQ(*(*f)->get_string("general.architecture"), "llama");
  EXPECT_EQ(*(*f)->get_uint("llama.embedding_length"), 64u);
  EXPECT_EQ(*(*f)->get_uint("llama.attention.head_count_kv"), 2u);
  // 2 global tensors + 9 per layer, no output.weight (tied).
  EXPECT_EQ((*f)->tensors().size(), 2u + 9u * 2u);
  EXPECT_EQ((*f)->find_tensor("output.weight"), nullptr);
  const gguf::TensorInfo* k = (*f)->find_tensor("blk.1.attn_k.weight");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->ttype(), gguf::TensorType::kQ8_0);
  EXPECT_EQ(k->ne[0], 64u);
  EXPECT_EQ(k->ne[1], 32u);  // head_dim 16 x 2 kv heads
  EXPECT_EQ(k->nbytes, 32u * 2u * 34u);
  // Weights are in range: dequantized |w| <= sqrt(3/64) (+ fp16 scale rounding).
  std::vector<float> w(64 * 32);
  dequantize_row_q8_0(k->data, w.size(), w.data());
  float amax = 0;
  for (float v : w) amax = std::fmax(amax, std::fabs(v));
  EXPECT_GT(amax, 0.1f);
  EXPECT_LT(amax, std::sqrt(3.0f / 64.0f) * 1.001f);
}

}  // namespace
}  // namespace llmzip::bench
