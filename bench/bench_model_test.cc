#include "bench/bench_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "gguf/gguf.h"
#include "testing/quantize.h"

namespace llmzip::bench {
namespace {

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
  testutil::dequantize_row_q8_0(k->data, w.size(), w.data());
  float amax = 0;
  for (float v : w) amax = std::fmax(amax, std::fabs(v));
  EXPECT_GT(amax, 0.1f);
  EXPECT_LT(amax, std::sqrt(3.0f / 64.0f) * 1.001f);
}

}  // namespace
}  // namespace llmzip::bench
