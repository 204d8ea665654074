// A Llama-family transformer (architectures llama and qwen2) evaluated with
// llmzip's deterministic kernels (ops/).
//
// CONTRACT (what the codec relies on): the logits for (slot, pos) are a pure
// function of (model file, the tokens at positions 0..pos of that slot) —
// bit-identical whatever else is in the batch, however the sequence was split
// into batches, with any thread count and any Isa. kNumericsVersion changes
// whenever any such number could change.
//
// Weight types: F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q5_K, Q6_K, read in place from the
// mapped GGUF (no dequantized copy). Norm weights and biases (F32/F16/BF16) are
// converted exactly to F32 at load. RoPE frequency factors (rope_freqs.weight)
// are applied as divisors of each pair's frequency.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "common/status.h"
#include "common/thread_pool.h"
#include "gguf/gguf.h"
#include "model/config.h"
#include "model/kv_cache.h"
#include "ops/matmul.h"
#include "ops/rope.h"

namespace llmzip::model {

// Bump whenever any number that feeds the coder could change (kernel orders,
// activation quantization, rope, attention, ...). Every version since
// kOldestNumericsVersion is still computed, so older files decode:
//   1: keys and values cached as F32;
//   2: keys and values rounded to F16 when cached (KvType::kF16), otherwise 1;
//   3: keys and values cached as 8-bit rows (KvType::kQ8, attention_q8) for
//      head sizes that are multiples of 32 up to ops::kMaxQ8HeadDim; other
//      head sizes compute as 2 (KvCache::resolve).
inline constexpr uint32_t kNumericsVersion = 3;
inline constexpr uint32_t kOldestNumericsVersion = 1;
// The KV cache type numerics version v (kOldestNumericsVersion..kNumericsVersion) computes with.
inline KvType kv_type_for_numerics(uint32_t v) {
  return v >= 3 ? KvType::kQ8 : v == 2 ? KvType::kF16 : KvType::kF32;
}

// One token to evaluate: `token` at position `pos` of sequence `slot`.
struct BatchEntry {
  int32_t token = 0;
  int32_t slot = 0;
  int32_t pos = 0;
  bool want_logits = false;
};

struct LayerWeights {
  ops::WeightMatrix wq, wk, wv, wo;        // [n_embd -> q_dim], [n_embd -> kv_dim] x2, [q_dim -> n_embd]
  ops::WeightMatrix w_gate, w_up, w_down;  // [n_embd -> n_ff] x2, [n_ff -> n_embd]
  std::vector<float> attn_norm, ffn_norm;  // n_embd
  std::vector<float> bq, bk, bv;           // q_dim, kv_dim, kv_dim (empty: no bias)
};

class Model {
 public:
  // Validates the config and every tensor (presence, type, shape). The file must
  // outlive the model (weights are views into its mapping). Errors list what is
  // supported (kUnsupported), name missing tensors (kMissing) and wrong shapes
  // (kCorrupt).
  static Result<std::unique_ptr<Model>> load(const gguf::GgufFile& file);

  const ModelConfig& config() const { return cfg_; }
  // Bytes of weights packed at load for the active SIMD level's kernels (0:
  // none; the kernels then pack per call). Only models whose packed copy
  // stays within kMaxPackedBytes are packed.
  size_t packed_bytes() const { return packed_.bytes(); }
  static constexpr size_t kMaxPackedBytes = size_t{1} << 30;
  int n_vocab() const { return cfg_.n_vocab; }
  ~Model();

  // Evaluates the batch. Entries of one slot must appear in increasing position
  // order and continue the slot exactly: the first entry of a slot has pos ==
  // cache.length(slot), the next pos + 1, and so on (slots may interleave).
  // Writes n_vocab float logits for every entry with want_logits, in batch
  // order, to logits[k * n_vocab] (k counts wanted entries). On an invalid batch
  // (bad token id, slot, position; kInvalidArgument) nothing is changed. Not
  // reentrant: one forward at a time per Model.
  Status forward(std::span<const BatchEntry> batch, KvCache& cache, ThreadPool& pool, float* logits) const;

 private:
  Model();
  struct Workspace;
  void pack_weights();
  void run_layer(int il, int n, const BatchEntry* batch, KvCache& cache, ThreadPool& pool, Workspace& ws) const;

  ModelConfig cfg_;
  ops::WeightMatrix tok_embd_, output_;
  std::vector<float> output_norm_;
  std::vector<LayerWeights> layers_;
  std::optional<ops::Rope> rope_;
  ops::PackedWeights packed_;
  float attn_scale_ = 0;

  mutable std::mutex mu_;
  mutable std::unique_ptr<Workspace> ws_;
};

}  // namespace llmzip::model
