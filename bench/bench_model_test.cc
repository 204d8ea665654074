#include "bench/bench_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "gguf/gguf.h"
#include "testing/quantize.h"
#include "testing/testutil.h"

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
  const std::string bytes = *make_bench_model(*spec, 7);
  EXPECT_EQ(bytes, *make_bench_model(*spec, 7));  // reproducible
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

// The Q4_0 form (the llama2-7b preset's) and a real vocabulary taken from
// another file: the tokenizer metadata is copied, the weights are 18-byte
// Q4_0 blocks, and a vocabulary of the wrong size is refused naming the file.
TEST(BenchModel, Q4_0WeightsAndACopiedVocabulary) {
  auto big = bench_model_spec("llama2-7b");
  ASSERT_TRUE(big.is_ok());
  EXPECT_TRUE(big->q4_0);
  EXPECT_EQ(big->n_embd, 4096u);
  EXPECT_EQ(big->n_vocab, 32000u);

  BenchModelSpec spec = *bench_model_spec("tiny");
  spec.q4_0 = true;
  const std::string bytes = *make_bench_model(spec, 3);
  auto f = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "tiny-q4");
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  const gguf::TensorInfo* k = (*f)->find_tensor("blk.1.attn_k.weight");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->ttype(), gguf::TensorType::kQ4_0);
  EXPECT_EQ(k->nbytes, 32u * 2u * 18u);

  LLMZIP_REQUIRE_TESTDATA(dir);
  const std::string vocab = dir + "/vocab/ggml-vocab-llama-spm.gguf";
  spec.vocab_from = vocab;
  auto wrong = make_bench_model(spec, 3);  // tiny has 256 tokens, the file 32000
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_NE(wrong.status().message().find(vocab), std::string::npos) << wrong.status().message();
  spec.n_vocab = 32000;
  const std::string with_vocab = *make_bench_model(spec, 3);
  auto g = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(with_vocab.data()), with_vocab.size(), "tiny-spm");
  ASSERT_TRUE(g.is_ok()) << g.status().to_string();
  auto src = gguf::GgufFile::open(vocab);
  ASSERT_TRUE(src.is_ok());
  EXPECT_EQ(*(*g)->get_string("tokenizer.ggml.model"), *(*src)->get_string("tokenizer.ggml.model"));
  EXPECT_EQ((*g)->find("tokenizer.ggml.tokens")->count, 32000u);
}

}  // namespace
}  // namespace llmzip::bench
