// Determinism: the logits of every (slot, pos) must be bit-identical however the
// tokens are batched, interleaved with other sequences, threaded or vectorized.
// Full logit arrays are hashed per sequence (SHA-256) and compared.
#include <gtest/gtest.h>

#include <cstdio>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "testing/testutil.h"
#include "common/thread_pool.h"
#include "gguf/gguf.h"
#include "testing/gguf_writer.h"
#include "testing/quantize.h"
#include "ops/fp16.h"
#include "model/model.h"
#include "ops/isa.h"

namespace llmzip::model {
namespace {

// Token ids of a golden file: `token` of each line plus the final `next`.
std::vector<int32_t> golden_tokens(const std::string& path) { return testutil::read_golden(path).tokens(); }

// A schedule: a list of steps, each a list of (sequence, number of tokens).
using Step = std::vector<std::pair<int, int>>;
using Schedule = std::vector<Step>;

Schedule whole(int n_seq, const std::vector<std::vector<int32_t>>& seqs) {
  Schedule s;
  for (int i = 0; i < n_seq; ++i) s.push_back({{i, static_cast<int>(seqs[i].size())}});
  return s;
}

Schedule chunks(const std::vector<std::vector<int32_t>>& seqs, int k) {
  Schedule s;
  for (int i = 0; i < static_cast<int>(seqs.size()); ++i) {
    for (int done = 0; done < static_cast<int>(seqs[i].size()); done += k) s.push_back({{i, k}});
  }
  return s;
}

// Every step takes a random-size chunk (0..max) from every unfinished sequence.
Schedule interleaved(const std::vector<std::vector<int32_t>>& seqs, int max_chunk, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int> done(seqs.size(), 0);
  Schedule s;
  while (true) {
    Step st;
    for (int i = 0; i < static_cast<int>(seqs.size()); ++i) {
      const int left = static_cast<int>(seqs[i].size()) - done[i];
      if (left <= 0) continue;
      const int k = std::min(left, static_cast<int>(rng() % (max_chunk + 1)));
      if (k > 0) st.push_back({i, k});
      done[i] += k;
    }
    bool finished = true;
    for (int i = 0; i < static_cast<int>(seqs.size()); ++i) finished &= done[i] >= static_cast<int>(seqs[i].size());
    if (!st.empty()) s.push_back(st);
    if (finished) break;
  }
  return s;
}

// Runs a schedule; sequence i lives in slot (i + slot_offset) % n_slots.
// Returns one hash per sequence of all its logits in position order.
std::vector<std::string> run(const Model& m, const std::vector<std::vector<int32_t>>& seqs, const Schedule& sched,
                             int threads, int slot_offset = 0, KvType kv = KvType::kF32) {
  const int V = m.n_vocab();
  const int n_slots = static_cast<int>(seqs.size()) + 1;  // one slot stays unused
  KvCache cache(m, n_slots, 512, kv);
  ThreadPool pool(threads);
  std::vector<std::vector<float>> out(seqs.size());
  for (size_t i = 0; i < seqs.size(); ++i) out[i].resize(seqs[i].size() * V);
  std::vector<int> done(seqs.size(), 0);
  std::vector<float> logits;
  for (const Step& st : sched) {
    std::vector<BatchEntry> batch;
    std::vector<std::pair<int, int>> dest;  // (seq, pos) per entry
    // Put the chunks in the batch with tokens of different sequences alternating
    // where possible (round robin), to really interleave slots.
    std::vector<int> taken(st.size(), 0);
    bool any = true;
    while (any) {
      any = false;
      for (size_t c = 0; c < st.size(); ++c) {
        const auto [seq, k] = st[c];
        if (taken[c] >= k || done[seq] >= static_cast<int>(seqs[seq].size())) continue;
        const int pos = done[seq]++;
        ++taken[c];
        batch.push_back({seqs[seq][pos], (seq + slot_offset) % n_slots, pos, true});
        dest.push_back({seq, pos});
        any = true;
      }
    }
    logits.resize(batch.size() * V);
    const Status s = m.forward(batch, cache, pool, logits.data());
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    for (size_t e = 0; e < batch.size(); ++e) {
      std::memcpy(&out[dest[e].first][static_cast<size_t>(dest[e].second) * V], &logits[e * V], sizeof(float) * V);
    }
  }
  std::vector<std::string> hashes;
  for (const auto& o : out) {
    for (float v : o) {
      if (!std::isfinite(v)) {
        ADD_FAILURE() << "non-finite logit";
        break;
      }
    }
  }
  for (const auto& o : out) hashes.push_back(Sha256::hex(Sha256::hash(o.data(), o.size() * sizeof(float))));
  return hashes;
}

// Real shapes (row lengths with tails of the 8-block lanes, head_dim 64, GQA)
// on every Isa: a 2-layer SmolLM2-135M-shaped and a 1-layer Qwen2.5-0.5B-shaped
// Q8_0 model with random weights, built in memory.
struct ShapeSpec {
  std::string arch;
  uint32_t n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab;
  bool bias;
  bool q5_0_attn;  // attention matrices as Q5_0 instead of Q8_0
};

std::string build_shaped(const ShapeSpec& sp) {
  std::mt19937 rng(42);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  gguf::GgufWriter w;
  const std::string a = sp.arch + ".";
  w.add_string("general.architecture", sp.arch);
  w.add_u32(a + "embedding_length", sp.n_embd);
  w.add_u32(a + "block_count", sp.n_layer);
  w.add_u32(a + "attention.head_count", sp.n_head);
  w.add_u32(a + "attention.head_count_kv", sp.n_head_kv);
  w.add_u32(a + "feed_forward_length", sp.n_ff);
  w.add_u32(a + "context_length", 2048);
  w.add_f32(a + "attention.layer_norm_rms_epsilon", 1e-6f);
  w.add_f32(a + "rope.freq_base", 100000.0f);
  auto mat = [&](const std::string& name, uint32_t n_in, uint32_t n_out, float scale) {
    std::vector<float> v(static_cast<size_t>(n_in) * n_out);
    for (float& x : v) x = nd(rng) * scale;
    if (sp.q5_0_attn && name.find("attn_") != std::string::npos) {
      w.add_tensor(name, gguf::TensorType::kQ5_0, {n_in, n_out}, testutil::q5_0_bytes(v));
    } else {
      w.add_tensor(name, gguf::TensorType::kQ8_0, {n_in, n_out}, testutil::q8_0_bytes(v));
    }
  };
  auto vec = [&](const std::string& name, uint32_t n, float base, float scale) {
    std::vector<float> v(n);
    for (float& x : v) x = base + nd(rng) * scale;
    std::string bytes(n * 4, '\0');
    std::memcpy(bytes.data(), v.data(), bytes.size());
    w.add_tensor(name, gguf::TensorType::kF32, {n}, bytes);
  };
  const float s = 1.0f / std::sqrt(static_cast<float>(sp.n_embd));
  const uint32_t hd = sp.n_embd / sp.n_head, kv = hd * sp.n_head_kv;
  mat("token_embd.weight", sp.n_embd, sp.n_vocab, 1.0f);
  vec("output_norm.weight", sp.n_embd, 1.0f, 0.1f);
  for (uint32_t l = 0; l < sp.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    vec(p + "attn_norm.weight", sp.n_embd, 1.0f, 0.1f);
    mat(p + "attn_q.weight", sp.n_embd, sp.n_embd, 2 * s);
    mat(p + "attn_k.weight", sp.n_embd, kv, 2 * s);
    mat(p + "attn_v.weight", sp.n_embd, kv, s);
    if (sp.bias) {
      vec(p + "attn_q.bias", sp.n_embd, 0.0f, 0.5f);
      vec(p + "attn_k.bias", kv, 0.0f, 0.5f);
      vec(p + "attn_v.bias", kv, 0.0f, 0.3f);
    }
    mat(p + "attn_output.weight", sp.n_embd, sp.n_embd, s);
    vec(p + "ffn_norm.weight", sp.n_embd, 1.0f, 0.1f);
    mat(p + "ffn_gate.weight", sp.n_embd, sp.n_ff, s);
    mat(p + "ffn_up.weight", sp.n_embd, sp.n_ff, s);
    mat(p + "ffn_down.weight", sp.n_ff, sp.n_embd, 1.0f / std::sqrt(static_cast<float>(sp.n_ff)));
  }
  return w.finish();
}

TEST(DeterminismRealShapes, EveryIsaBatchingAndThreadsAgree) {
  const ShapeSpec specs[] = {{"llama", 576, 2, 9, 3, 1536, 2048, false, false},
                             {"qwen2", 896, 1, 14, 2, 4864, 1024, true, true}};
  for (const ShapeSpec& sp : specs) {
    const std::string bytes = build_shaped(sp);
    auto file = gguf::GgufFile::parse(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), sp.arch);
    ASSERT_TRUE(file.is_ok()) << file.status().to_string();
    auto model = Model::load(**file);
    ASSERT_TRUE(model.is_ok()) << model.status().to_string();
    const Model& m = **model;
    std::mt19937 rng(1);
    std::vector<std::vector<int32_t>> seqs(2);
    for (auto& s : seqs) {
      for (int i = 0; i < 37; ++i) s.push_back(static_cast<int32_t>(rng() % sp.n_vocab));
    }
    const ops::Isa saved = ops::active_isa();
    std::vector<std::string> refs[3];
    for (KvType kv : {KvType::kF32, KvType::kF16, KvType::kQ8}) {
      const char* kv_name = kv == KvType::kF32 ? "F32 cache" : kv == KvType::kF16 ? "F16 cache" : "Q8 cache";
      ASSERT_TRUE(ops::set_isa(ops::Isa::kScalar));
      const std::vector<std::string> ref = run(m, seqs, whole(2, seqs), 2, 0, kv);
      int n_isa = 0;
      for (ops::Isa isa : {ops::Isa::kScalar, ops::Isa::kAvx2, ops::Isa::kAvx512}) {
        if (!ops::set_isa(isa)) continue;
        ++n_isa;
        EXPECT_EQ(run(m, seqs, interleaved(seqs, 1, 4), 2, 0, kv), ref)
            << sp.arch << " one token per step, " << ops::isa_name(isa) << ", " << kv_name;
        EXPECT_EQ(run(m, seqs, chunks(seqs, 7), 3, 1, kv), ref)
            << sp.arch << " batches of 7, " << ops::isa_name(isa) << ", " << kv_name;
      }
      ops::set_isa(saved);
      std::printf("  %s-shaped, %s: %d Isa levels agree (%s)\n", sp.arch.c_str(), kv_name, n_isa,
                  ref[0].substr(0, 16).c_str());
      refs[static_cast<int>(kv)] = ref;
    }
    // The caches are three numerics versions: their logits differ (the Q8
    // cache is the F16 one for head sizes it does not take).
    EXPECT_NE(refs[0], refs[1]) << sp.arch;
    if (KvCache::resolve(m, KvType::kQ8) == KvType::kQ8) {
      EXPECT_NE(refs[1], refs[2]) << sp.arch;
    } else {
      EXPECT_EQ(refs[1], refs[2]) << sp.arch;
    }
  }
}

constexpr size_t kTokens = 200;

class DeterminismTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DeterminismTest, BatchingThreadsAndIsaDoNotChangeAnyBit) {
  LLMZIP_REQUIRE_TESTDATA(dir);
  const std::string name = GetParam();
  auto file = gguf::GgufFile::open(dir + "/models/" + name + ".gguf");
  ASSERT_TRUE(file.is_ok()) << file.status().to_string();
  auto model = Model::load(**file);
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  const Model& m = **model;
  std::vector<std::vector<int32_t>> seqs = {
      golden_tokens(dir + "/golden/" + name + "__stories_sample.jsonl"),
      golden_tokens(dir + "/golden/" + name + "__plain_english.jsonl")};
  ASSERT_EQ(seqs[0].size(), 508u);
  // A third sequence: a shifted copy, so slots hold different prefixes of similar
  // text. Sequences are cut to keep the test quick (the scalar path runs too);
  // the golden test covers full 508-token contexts.
  seqs.push_back(std::vector<int32_t>(seqs[1].begin() + 50, seqs[1].begin() + 230));
  seqs[0].resize(kTokens);
  seqs[1].resize(kTokens);

  const ops::Isa saved = ops::active_isa();
  const std::vector<std::string> ref = run(m, seqs, whole(3, seqs), 2);
  std::printf("  %s: %s %s %s\n", name.c_str(), ref[0].substr(0, 16).c_str(), ref[1].substr(0, 16).c_str(),
              ref[2].substr(0, 16).c_str());
  EXPECT_EQ(run(m, seqs, chunks(seqs, 1), 1), ref) << "token by token, 1 thread";
  EXPECT_EQ(run(m, seqs, chunks(seqs, 7), 3), ref) << "batches of 7, 3 threads";
  EXPECT_EQ(run(m, seqs, chunks(seqs, 64), 2, 2), ref) << "batches of 64, 2 threads, other slots";
  EXPECT_EQ(run(m, seqs, interleaved(seqs, 40, 5), 2, 1), ref) << "interleaved random chunks";
  EXPECT_EQ(run(m, seqs, interleaved(seqs, 1, 9), 3), ref) << "one token per sequence per step";
  EXPECT_EQ(run(m, seqs, whole(3, seqs), 1), ref) << "whole, 1 thread";
  EXPECT_EQ(run(m, seqs, whole(3, seqs), 3), ref) << "whole, 3 threads";
  for (ops::Isa isa : {ops::Isa::kScalar, ops::Isa::kAvx2, ops::Isa::kAvx512}) {
    if (!ops::set_isa(isa)) continue;  // the scalar level always runs
    EXPECT_EQ(run(m, seqs, whole(3, seqs), 2), ref) << "whole, isa " << ops::isa_name(isa);
    EXPECT_EQ(run(m, seqs, interleaved(seqs, 9, 3), 3), ref) << "interleaved, isa " << ops::isa_name(isa);
  }
  ops::set_isa(saved);
}

INSTANTIATE_TEST_SUITE_P(Models, DeterminismTest,
                         ::testing::Values("stories260K", "rand-llama-gqa.F32", "rand-llama-gqa.F16",
                                           "rand-llama-gqa.BF16", "rand-llama-gqa.Q8_0", "rand-llama-gqa.Q4_0",
                                           "rand-llama-gqa.Q4_K_M", "rand-llama-gqa.Q6_K", "rand-llama-tied.Q8_0",
                                           "rand-qwen2.F32", "rand-qwen2.Q8_0"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& ch : s) if (ch == '.' || ch == '-') ch = '_';
                           return s;
                         });

}  // namespace
}  // namespace llmzip::model
