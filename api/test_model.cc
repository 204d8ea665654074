#include "api/test_model.h"

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "testing/gguf_writer.h"
#include "tokenizer/bpe.h"

namespace llmzip::api {
namespace {

std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += char(cp);
  } else if (cp < 0x800) {
    s += char(0xC0 | (cp >> 6));
    s += char(0x80 | (cp & 0x3F));
  } else {
    s += char(0xE0 | (cp >> 12));
    s += char(0x80 | ((cp >> 6) & 0x3F));
    s += char(0x80 | (cp & 0x3F));
  }
  return s;
}

}  // namespace

std::string tiny_test_model() {
  gguf::GgufWriter w;
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b)
    if (b != 0x0B) tokens.push_back(utf8(tokenizer::byte_to_unicode(uint8_t(b))));
  const uint64_t n_vocab = tokens.size();
  w.add_string("tokenizer.ggml.model", "gpt2");
  w.add_string_array("tokenizer.ggml.tokens", tokens);
  w.add_i32_array("tokenizer.ggml.token_type", std::vector<int32_t>(n_vocab, 1));
  w.add_string_array("tokenizer.ggml.merges", {});
  const int E = 32, F = 64;
  w.add_string("general.architecture", "llama");
  w.add_string("general.name", "tiny-test");
  w.add_u32("llama.context_length", 128);
  w.add_u32("llama.embedding_length", E);
  w.add_u32("llama.block_count", 1);
  w.add_u32("llama.feed_forward_length", F);
  w.add_u32("llama.attention.head_count", 4);
  w.add_u32("llama.attention.head_count_kv", 2);
  w.add_f32("llama.attention.layer_norm_rms_epsilon", 1e-5f);
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.f, 0.5f);
  auto floats = [&](uint64_t n, bool ones) {
    std::string s(n * 4, '\0');
    for (uint64_t i = 0; i < n; ++i) {
      const float f = ones ? 1.0f : nd(rng);
      std::memcpy(&s[i * 4], &f, 4);
    }
    return s;
  };
  using gguf::TensorType;
  w.add_tensor("token_embd.weight", TensorType::kF32, {E, n_vocab}, floats(E * n_vocab, false));
  w.add_tensor("output_norm.weight", TensorType::kF32, {E}, floats(E, true));
  w.add_tensor("blk.0.attn_norm.weight", TensorType::kF32, {E}, floats(E, true));
  w.add_tensor("blk.0.ffn_norm.weight", TensorType::kF32, {E}, floats(E, true));
  w.add_tensor("blk.0.attn_q.weight", TensorType::kF32, {E, E}, floats(E * E, false));
  w.add_tensor("blk.0.attn_k.weight", TensorType::kF32, {E, E / 2}, floats(E * E / 2, false));
  w.add_tensor("blk.0.attn_v.weight", TensorType::kF32, {E, E / 2}, floats(E * E / 2, false));
  w.add_tensor("blk.0.attn_output.weight", TensorType::kF32, {E, E}, floats(E * E, false));
  w.add_tensor("blk.0.ffn_gate.weight", TensorType::kF32, {E, F}, floats(E * F, false));
  w.add_tensor("blk.0.ffn_up.weight", TensorType::kF32, {E, F}, floats(E * F, false));
  w.add_tensor("blk.0.ffn_down.weight", TensorType::kF32, {F, E}, floats(F * E, false));
  return w.finish();
}

Status write_tiny_test_model(const std::string& path) {
  const std::string bytes = tiny_test_model();
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Status(ErrorCode::kIo, path + ": cannot open for writing");
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok) return Status(ErrorCode::kIo, path + ": write error");
  return Status::ok();
}

}  // namespace llmzip::api
