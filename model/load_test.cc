// Synthetic models built with GgufWriter: rope_freqs.weight must matter (and
// factors of 1.0 must change nothing), and bad models / bad batches must give a
// clean Status with the documented code and a helpful message.
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "gguf/gguf.h"
#include "testing/gguf_writer.h"
#include "model/model.h"
#include "ops/fp16.h"

namespace llmzip::model {
namespace {

using gguf::TensorType;

struct TinySpec {
  std::string arch = "llama";
  uint32_t n_embd = 64, n_layer = 2, n_head = 4, n_head_kv = 2, n_ff = 96, n_vocab = 50;
  std::vector<float> rope_freqs;        // empty: no tensor
  std::set<std::string> skip;           // tensor names to leave out
  std::string bad_shape;                // tensor whose rows get one extra element... (wrong ne[1])
  std::string q3k_tensor;               // tensor stored as Q3_K (unsupported)
  bool tied = false;
  bool qkv_bias = false;
};

std::string f32_bytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

std::string build(const TinySpec& sp, uint32_t seed = 3) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  gguf::GgufWriter w;
  w.add_string("general.architecture", sp.arch);
  const std::string a = sp.arch + ".";
  w.add_u32(a + "embedding_length", sp.n_embd);
  w.add_u32(a + "block_count", sp.n_layer);
  w.add_u32(a + "attention.head_count", sp.n_head);
  w.add_u32(a + "attention.head_count_kv", sp.n_head_kv);
  w.add_u32(a + "feed_forward_length", sp.n_ff);
  w.add_u32(a + "context_length", 256);
  w.add_f32(a + "attention.layer_norm_rms_epsilon", 1e-5f);
  w.add_f32(a + "rope.freq_base", 10000.0f);
  auto tensor = [&](const std::string& name, std::vector<uint64_t> ne, float scale) {
    if (sp.skip.count(name)) return;
    if (name == sp.bad_shape) ne.back() += 1;
    uint64_t n = 1;
    for (uint64_t d : ne) n *= d;
    if (name == sp.q3k_tensor) {
      w.add_tensor(name, TensorType::kQ3_K, ne, std::string(n / 256 * 110, '\0'));
      return;
    }
    std::vector<float> v(n);
    for (float& x : v) x = nd(rng) * scale;
    if (ne.size() == 1 && name.find("norm") != std::string::npos) {
      for (float& x : v) x = 1.0f + 0.1f * x;
    }
    w.add_tensor(name, TensorType::kF32, ne, f32_bytes(v));
  };
  const float s = 1.0f / std::sqrt(static_cast<float>(sp.n_embd));
  const uint32_t hd = sp.n_embd / sp.n_head, kv = hd * sp.n_head_kv;
  tensor("token_embd.weight", {sp.n_embd, sp.n_vocab}, 1.0f);
  tensor("output_norm.weight", {sp.n_embd}, 1.0f);
  if (!sp.tied) tensor("output.weight", {sp.n_embd, sp.n_vocab}, s * 3);
  if (!sp.rope_freqs.empty()) {
    w.add_tensor("rope_freqs.weight", TensorType::kF32, {sp.rope_freqs.size()}, f32_bytes(sp.rope_freqs));
  }
  for (uint32_t l = 0; l < sp.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    tensor(p + "attn_norm.weight", {sp.n_embd}, 1.0f);
    tensor(p + "attn_q.weight", {sp.n_embd, sp.n_embd}, s * 2);
    tensor(p + "attn_k.weight", {sp.n_embd, kv}, s * 2);
    tensor(p + "attn_v.weight", {sp.n_embd, kv}, s);
    tensor(p + "attn_output.weight", {sp.n_embd, sp.n_embd}, s);
    if (sp.qkv_bias) {
      tensor(p + "attn_q.bias", {sp.n_embd}, 0.5f);
      tensor(p + "attn_k.bias", {kv}, 0.5f);
      tensor(p + "attn_v.bias", {kv}, 0.3f);
    }
    tensor(p + "ffn_norm.weight", {sp.n_embd}, 1.0f);
    tensor(p + "ffn_gate.weight", {sp.n_embd, sp.n_ff}, s);
    tensor(p + "ffn_up.weight", {sp.n_embd, sp.n_ff}, s);
    tensor(p + "ffn_down.weight", {sp.n_ff, sp.n_embd}, 1.0f / std::sqrt(static_cast<float>(sp.n_ff)));
  }
  return w.finish();
}

struct Loaded {
  std::string bytes;
  std::unique_ptr<gguf::GgufFile> file;
  Result<std::unique_ptr<Model>> model = Status(ErrorCode::kInternal, "not loaded");
};

std::unique_ptr<Loaded> load(const TinySpec& sp) {
  auto l = std::make_unique<Loaded>();
  l->bytes = build(sp);
  auto f = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(l->bytes.data()), l->bytes.size(), "tiny.gguf");
  EXPECT_TRUE(f.is_ok()) << f.status().to_string();
  if (!f.is_ok()) return l;
  l->file = std::move(*f);
  l->model = Model::load(*l->file);
  return l;
}

// Logits of all positions of a fixed 40-token sequence.
std::vector<float> eval(const Model& m) {
  ThreadPool pool(2);
  KvCache cache(m, 1, 64);
  std::vector<BatchEntry> batch;
  for (int i = 0; i < 40; ++i) batch.push_back({(i * 7 + 3) % m.n_vocab(), 0, i, true});
  std::vector<float> logits(batch.size() * m.n_vocab());
  const Status s = m.forward(batch, cache, pool, logits.data());
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return logits;
}

TEST(RopeFreqs, FactorsMatterAndOnesChangeNothing) {
  const uint32_t hd = 16;
  auto plain = load(TinySpec{});
  TinySpec ones;
  ones.rope_freqs.assign(hd / 2, 1.0f);
  auto with_ones = load(ones);
  TinySpec scaled;
  scaled.rope_freqs.assign(hd / 2, 1.0f);
  for (uint32_t i = 0; i < hd / 2; ++i) scaled.rope_freqs[i] = 1.0f + static_cast<float>(i);  // like Llama-3's 1..8
  auto with_factors = load(scaled);
  ASSERT_TRUE(plain->model.is_ok()) << plain->model.status().to_string();
  ASSERT_TRUE(with_ones->model.is_ok()) << with_ones->model.status().to_string();
  ASSERT_TRUE(with_factors->model.is_ok()) << with_factors->model.status().to_string();
  EXPECT_TRUE((*with_factors->model)->config().has_rope_freqs);
  const std::vector<float> a = eval(**plain->model);
  const std::vector<float> b = eval(**with_ones->model);
  const std::vector<float> c = eval(**with_factors->model);
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * 4)) << "factors of 1.0 must be a no-op";
  // Position 0 has no rotation, so its logits agree; later positions must differ.
  const int V = 50;
  EXPECT_EQ(0, std::memcmp(a.data(), c.data(), V * 4));
  double max_diff = 0;
  for (size_t i = V; i < a.size(); ++i) max_diff = std::max(max_diff, static_cast<double>(std::fabs(a[i] - c[i])));
  EXPECT_GT(max_diff, 1e-3) << "rope_freqs.weight factors had no effect";
}

TEST(RopeFreqs, WrongLengthIsRejected) {
  TinySpec sp;
  sp.rope_freqs.assign(5, 1.0f);
  auto l = load(sp);
  ASSERT_FALSE(l->model.is_ok());
  EXPECT_EQ(l->model.status().code(), ErrorCode::kCorrupt);
  EXPECT_NE(l->model.status().message().find("rope_freqs.weight"), std::string::npos);
}

TEST(LoadModel, GoodVariantsLoad) {
  for (const char* arch : {"llama", "qwen2"}) {
    for (bool tied : {false, true}) {
      TinySpec sp;
      sp.arch = arch;
      sp.tied = tied;
      sp.qkv_bias = std::string(arch) == "qwen2";
      auto l = load(sp);
      ASSERT_TRUE(l->model.is_ok()) << l->model.status().to_string();
      const ModelConfig& c = (*l->model)->config();
      EXPECT_EQ(c.tied_output, tied);
      EXPECT_EQ(c.rope_neox, std::string(arch) == "qwen2");
      EXPECT_EQ(c.head_dim, 16);
      EXPECT_EQ(c.rope_dim, 16);
      EXPECT_EQ(c.n_vocab, 50);
      EXPECT_EQ(c.has_qkv_bias, sp.qkv_bias);
      const std::vector<float> lg = eval(**l->model);
      for (float v : lg) ASSERT_TRUE(std::isfinite(v));
    }
  }
}

void expect_error(const TinySpec& sp, ErrorCode code, const std::vector<std::string>& needles) {
  auto l = load(sp);
  ASSERT_FALSE(l->model.is_ok());
  EXPECT_EQ(l->model.status().code(), code) << l->model.status().to_string();
  for (const std::string& n : needles) {
    EXPECT_NE(l->model.status().message().find(n), std::string::npos)
        << "message '" << l->model.status().message() << "' lacks '" << n << "'";
  }
  EXPECT_NE(l->model.status().message().find("tiny.gguf"), std::string::npos);
}

TEST(LoadModel, MissingTensor) {
  TinySpec sp;
  sp.skip = {"blk.1.ffn_up.weight"};
  expect_error(sp, ErrorCode::kMissing, {"blk.1.ffn_up.weight"});
  TinySpec sp2;
  sp2.skip = {"output_norm.weight"};
  expect_error(sp2, ErrorCode::kMissing, {"output_norm.weight"});
}

TEST(LoadModel, WrongShape) {
  TinySpec sp;
  sp.bad_shape = "blk.0.attn_k.weight";
  expect_error(sp, ErrorCode::kCorrupt, {"blk.0.attn_k.weight", "[64, 33]", "expected [64, 32]"});
  TinySpec sp2;
  sp2.bad_shape = "blk.1.attn_norm.weight";
  expect_error(sp2, ErrorCode::kCorrupt, {"blk.1.attn_norm.weight"});
}

TEST(LoadModel, UnsupportedTensorType) {
  TinySpec sp;
  sp.n_embd = 256;
  sp.n_ff = 256;
  sp.q3k_tensor = "blk.0.ffn_gate.weight";
  expect_error(sp, ErrorCode::kUnsupported,
               {"blk.0.ffn_gate.weight", "Q3_K", "F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q5_K, Q6_K"});
}

TEST(LoadModel, UnsupportedArchitecture) {
  TinySpec sp;
  sp.arch = "gpt2";
  expect_error(sp, ErrorCode::kUnsupported, {"gpt2", "llama, qwen2"});
}

TEST(LoadModel, MissingMetadata) {
  gguf::GgufWriter w;
  w.add_string("general.architecture", "llama");
  w.add_u32("llama.embedding_length", 64);
  const std::string bytes = w.finish();
  auto f = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "tiny.gguf");
  ASSERT_TRUE(f.is_ok());
  auto m = Model::load(**f);
  ASSERT_FALSE(m.is_ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kMissing);
  EXPECT_NE(m.status().message().find("llama.block_count"), std::string::npos) << m.status().message();
}

TEST(Forward, InvalidBatchesAreRejectedWithoutSideEffects) {
  auto l = load(TinySpec{});
  ASSERT_TRUE(l->model.is_ok());
  const Model& m = **l->model;
  ThreadPool pool(1);
  KvCache cache(m, 2, 8);
  std::vector<float> logits(4 * 50);
  auto check = [&](std::vector<BatchEntry> b, const std::string& needle) {
    const Status s = m.forward(b, cache, pool, logits.data());
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << needle;
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
    EXPECT_EQ(cache.length(0), 0);
    EXPECT_EQ(cache.length(1), 0);
  };
  check({{50, 0, 0, true}}, "token 50");
  check({{-1, 0, 0, true}}, "token -1");
  check({{1, 2, 0, true}}, "slot 2");
  check({{1, 0, 1, true}}, "expected 0");
  check({{1, 0, 0, false}, {1, 0, 0, false}}, "expected 1");
  check({{1, 0, 0, false}, {1, 1, 0, false}, {1, 1, 2, false}}, "expected 1");
  // Beyond the context.
  std::vector<BatchEntry> full;
  for (int i = 0; i < 9; ++i) full.push_back({1, 0, i, false});
  check(full, "beyond the cache context 8");
  // A valid batch then continues; clear() restarts a slot.
  ASSERT_TRUE(m.forward(std::vector<BatchEntry>{{1, 0, 0, true}, {2, 1, 0, true}}, cache, pool, logits.data()).is_ok());
  EXPECT_EQ(cache.length(0), 1);
  cache.clear(0);
  EXPECT_TRUE(m.forward(std::vector<BatchEntry>{{3, 0, 0, true}}, cache, pool, logits.data()).is_ok());
}

TEST(Forward, TruncateAndReEvaluateGivesSameLogits) {
  auto l = load(TinySpec{});
  ASSERT_TRUE(l->model.is_ok());
  const Model& m = **l->model;
  ThreadPool pool(2);
  KvCache cache(m, 1, 16);
  std::vector<BatchEntry> b;
  for (int i = 0; i < 10; ++i) b.push_back({i + 5, 0, i, true});
  std::vector<float> first(10 * 50), again(4 * 50);
  ASSERT_TRUE(m.forward(b, cache, pool, first.data()).is_ok());
  cache.truncate(0, 6);
  ASSERT_TRUE(m.forward(std::span<const BatchEntry>(b).subspan(6), cache, pool, again.data()).is_ok());
  EXPECT_EQ(0, std::memcmp(&first[6 * 50], again.data(), again.size() * 4));
}

}  // namespace
}  // namespace llmzip::model
