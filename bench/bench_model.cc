#include "bench/bench_model.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

#include "gguf/gguf.h"
#include "ops/fp16.h"
#include "ops/quant_blocks.h"
#include "testing/gguf_writer.h"
#include "testing/quantize.h"

namespace llmzip::bench {
namespace {

// splitmix64: a tiny, fast, well-mixed generator; reproducible across platforms.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [-a, a).
  float uniform(float a) {
    const float u = static_cast<float>(next() >> 40) * (1.0f / 16777216.0f);  // [0,1)
    return (2.0f * u - 1.0f) * a;
  }
};

std::string f32_bytes(const std::vector<float>& v) {
  std::string s(v.size() * 4, '\0');
  std::memcpy(s.data(), v.data(), s.size());
  return s;
}

// A [rows x cols] Q8_0 matrix (cols innermost), uniform in [-scale, scale).
std::string random_q8_0(Rng& rng, uint64_t rows, uint64_t cols, float scale) {
  using testutil::kQ8_0Block, testutil::kQ8_0Bytes;
  std::string out(rows * (cols / kQ8_0Block) * kQ8_0Bytes, '\0');
  std::vector<float> row(cols);
  for (uint64_t r = 0; r < rows; ++r) {
    for (auto& x : row) x = rng.uniform(scale);
    testutil::quantize_row_q8_0(row.data(), cols,
                      reinterpret_cast<uint8_t*>(out.data()) + r * (cols / kQ8_0Block) * kQ8_0Bytes);
  }
  return out;
}

// A [rows x cols] Q4_0 matrix with uniformly random 4-bit values and one
// scale: values (n - 8) * d, n uniform in 0..15 (variance 21.25 d^2), d chosen
// for variance 1/fan_in. Made from random bits directly (billions of weights
// for the 7B shape).
std::string random_q4_0(Rng& rng, uint64_t rows, uint64_t cols, uint64_t fan_in) {
  constexpr size_t kBlockBytes = sizeof(ops::BlockQ4_0);
  static_assert(kBlockBytes == 18);
  const uint16_t d = ops::f32_to_f16(1.0f / std::sqrt(21.25f * static_cast<float>(fan_in)));
  const uint64_t blocks = rows * (cols / ops::kQK8_0);
  std::string out(blocks * kBlockBytes, '\0');
  uint8_t* o = reinterpret_cast<uint8_t*>(out.data());
  for (uint64_t b = 0; b < blocks; ++b, o += kBlockBytes) {
    std::memcpy(o, &d, 2);
    const uint64_t r0 = rng.next(), r1 = rng.next();
    std::memcpy(o + 2, &r0, 8);
    std::memcpy(o + 10, &r1, 8);
  }
  return out;
}

std::vector<float> random_f32(Rng& rng, uint64_t n, float center, float spread) {
  std::vector<float> v(n);
  for (auto& x : v) x = center + rng.uniform(spread);
  return v;
}

}  // namespace

std::vector<std::string> bench_model_names() { return {"smollm2-135m", "qwen2.5-0.5b", "llama2-7b", "tiny"}; }

Result<BenchModelSpec> bench_model_spec(std::string_view name) {
  BenchModelSpec s;
  s.name = std::string(name);
  if (name == "smollm2-135m") {
    s.arch = "llama";
    s.n_embd = 576; s.n_layer = 30; s.n_head = 9; s.n_head_kv = 3; s.n_ff = 1536; s.n_vocab = 49152;
    s.n_ctx_train = 8192; s.rope_freq_base = 100000.0f;
  } else if (name == "qwen2.5-0.5b") {
    s.arch = "qwen2";
    s.n_embd = 896; s.n_layer = 24; s.n_head = 14; s.n_head_kv = 2; s.n_ff = 4864; s.n_vocab = 151936;
    s.n_ctx_train = 32768; s.rope_freq_base = 1000000.0f; s.rms_eps = 1e-6f; s.qkv_bias = true;
  } else if (name == "llama2-7b") {
    s.arch = "llama";
    s.n_embd = 4096; s.n_layer = 32; s.n_head = 32; s.n_head_kv = 32; s.n_ff = 11008; s.n_vocab = 32000;
    s.n_ctx_train = 4096; s.q4_0 = true;
  } else if (name == "tiny") {
    s.arch = "llama";
    s.n_embd = 64; s.n_layer = 2; s.n_head = 4; s.n_head_kv = 2; s.n_ff = 96; s.n_vocab = 256;
    s.n_ctx_train = 512;
  } else {
    std::string names;
    for (const auto& n : bench_model_names()) names += (names.empty() ? "" : ", ") + n;
    return Status(ErrorCode::kInvalidArgument,
                  "unknown benchmark model '" + std::string(name) + "' (known: " + names + ")");
  }
  return s;
}

Result<std::string> make_bench_model(const BenchModelSpec& s, uint64_t seed) {
  std::unique_ptr<gguf::GgufFile> vocab;
  if (!s.vocab_from.empty()) {
    auto opened = gguf::GgufFile::open(s.vocab_from);
    if (!opened.is_ok()) return opened.status();
    vocab = std::move(*opened);
    const gguf::Value* t = vocab->find("tokenizer.ggml.tokens");
    if (t == nullptr || t->count != s.n_vocab)
      return Status(ErrorCode::kInvalidArgument, s.vocab_from + ": tokenizer.ggml.tokens does not have " +
                                                     std::to_string(s.n_vocab) + " entries (" + s.name + ")");
  }
  Rng rng{seed};
  const std::string& a = s.arch;
  const uint64_t head_dim = s.n_embd / s.n_head;
  const uint64_t n_embd_kv = head_dim * s.n_head_kv;
  gguf::GgufWriter w;
  w.add_string("general.architecture", a);
  w.add_string("general.name", "llmzip-bench-" + s.name);
  w.add_u32("general.file_type", s.q4_0 ? 2 : 7);  // MOSTLY_Q4_0 or MOSTLY_Q8_0
  w.add_u32(a + ".context_length", s.n_ctx_train);
  w.add_u32(a + ".embedding_length", s.n_embd);
  w.add_u32(a + ".block_count", s.n_layer);
  w.add_u32(a + ".feed_forward_length", s.n_ff);
  w.add_u32(a + ".attention.head_count", s.n_head);
  w.add_u32(a + ".attention.head_count_kv", s.n_head_kv);
  w.add_u32(a + ".rope.dimension_count", static_cast<uint32_t>(head_dim));
  w.add_f32(a + ".rope.freq_base", s.rope_freq_base);
  w.add_f32(a + ".attention.layer_norm_rms_epsilon", s.rms_eps);
  w.add_u32(a + ".vocab_size", s.n_vocab);
  if (vocab) {
    for (const auto& [key, value] : vocab->metadata())
      if (key.substr(0, 10) == "tokenizer.") w.add_value(key, value);
  } else {
    // Placeholder vocabulary: the engine benchmark feeds token ids directly.
    std::vector<std::string> tokens(s.n_vocab);
    for (uint32_t i = 0; i < s.n_vocab; ++i) tokens[i] = "<t" + std::to_string(i) + ">";
    w.add_string("tokenizer.ggml.model", "gpt2");
    w.add_string_array("tokenizer.ggml.tokens", tokens);
    w.add_i32_array("tokenizer.ggml.token_type", std::vector<int32_t>(s.n_vocab, 1));
    w.add_u32("tokenizer.ggml.bos_token_id", 0);
    w.add_u32("tokenizer.ggml.eos_token_id", 1);
  }

  // Uniform in [-sqrt(3/fan_in), ..) has variance 1/fan_in: activations stay O(1).
  auto scale_for = [](uint64_t fan_in) { return std::sqrt(3.0f / static_cast<float>(fan_in)); };
  const auto q8 = s.q4_0 ? gguf::TensorType::kQ4_0 : gguf::TensorType::kQ8_0;
  const auto f32 = gguf::TensorType::kF32;
  // A random [rows x cols] matrix of the weight type, entries of variance about 1/fan_in.
  auto random_w = [&](uint64_t rows, uint64_t cols, float scale, uint64_t fan_in) {
    return s.q4_0 ? random_q4_0(rng, rows, cols, fan_in) : random_q8_0(rng, rows, cols, scale);
  };
  w.add_tensor("token_embd.weight", q8, {s.n_embd, s.n_vocab}, random_w(s.n_vocab, s.n_embd, 0.5f, s.n_embd));
  w.add_tensor("output_norm.weight", f32, {s.n_embd}, f32_bytes(random_f32(rng, s.n_embd, 1.0f, 0.1f)));
  for (uint32_t l = 0; l < s.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    w.add_tensor(p + "attn_norm.weight", f32, {s.n_embd}, f32_bytes(random_f32(rng, s.n_embd, 1.0f, 0.1f)));
    w.add_tensor(p + "attn_q.weight", q8, {s.n_embd, s.n_embd},
                 random_w(s.n_embd, s.n_embd, scale_for(s.n_embd), s.n_embd));
    w.add_tensor(p + "attn_k.weight", q8, {s.n_embd, n_embd_kv},
                 random_w(n_embd_kv, s.n_embd, scale_for(s.n_embd), s.n_embd));
    w.add_tensor(p + "attn_v.weight", q8, {s.n_embd, n_embd_kv},
                 random_w(n_embd_kv, s.n_embd, scale_for(s.n_embd), s.n_embd));
    if (s.qkv_bias) {
      w.add_tensor(p + "attn_q.bias", f32, {s.n_embd}, f32_bytes(random_f32(rng, s.n_embd, 0.0f, 0.1f)));
      w.add_tensor(p + "attn_k.bias", f32, {n_embd_kv}, f32_bytes(random_f32(rng, n_embd_kv, 0.0f, 0.1f)));
      w.add_tensor(p + "attn_v.bias", f32, {n_embd_kv}, f32_bytes(random_f32(rng, n_embd_kv, 0.0f, 0.1f)));
    }
    w.add_tensor(p + "attn_output.weight", q8, {s.n_embd, s.n_embd},
                 random_w(s.n_embd, s.n_embd, scale_for(s.n_embd), s.n_embd));
    w.add_tensor(p + "ffn_norm.weight", f32, {s.n_embd}, f32_bytes(random_f32(rng, s.n_embd, 1.0f, 0.1f)));
    w.add_tensor(p + "ffn_gate.weight", q8, {s.n_embd, s.n_ff},
                 random_w(s.n_ff, s.n_embd, scale_for(s.n_embd), s.n_embd));
    w.add_tensor(p + "ffn_up.weight", q8, {s.n_embd, s.n_ff},
                 random_w(s.n_ff, s.n_embd, scale_for(s.n_embd), s.n_embd));
    w.add_tensor(p + "ffn_down.weight", q8, {s.n_ff, s.n_embd},
                 random_w(s.n_embd, s.n_ff, scale_for(s.n_ff), s.n_ff));
  }
  return w.finish();
}

Status write_bench_model(const BenchModelSpec& spec, uint64_t seed, const std::string& path) {
  auto made = make_bench_model(spec, seed);
  if (!made.is_ok()) return made.status();
  const std::string& bytes = *made;
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Status(ErrorCode::kIo, "cannot create " + tmp);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) return Status(ErrorCode::kIo, "write failed: " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    return Status(ErrorCode::kIo, "cannot rename " + tmp + " to " + path);
  return Status::ok();
}

}  // namespace llmzip::bench
