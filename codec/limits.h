// Memory limits of the codec, defined once. Compress, decompress and score size
// their KV-cache slots, logits buffers and forward batches from these, so the
// memory a (possibly hostile) file header can make us reserve is bounded by
// constants, whatever its context length or vocabulary.
#pragma once

#include <cstddef>
#include <cstdint>

#include "model/model.h"

namespace llmzip::codec {

// KV cache of all slots of one evaluator or decoder (virtual; pages are
// touched only for positions used).
inline constexpr size_t kKvCacheBudget = size_t(2) << 30;
// Logits of one forward call (all rows that want logits).
inline constexpr size_t kLogitsBudget = size_t(64) << 20;
// Entries of one forward call.
inline constexpr int kMaxBatchTokens = 512;

// Slots of n_ctx positions that fit kKvCacheBudget and kLogitsBudget (one logits
// row each), clamped to [1, max_slots].
inline int slots_within_budget(const model::Model& m, uint32_t n_ctx, model::KvType kv_type, int max_slots) {
  const size_t per_slot = model::KvCache::bytes_per_slot(m, int(n_ctx), kv_type);
  size_t n = kKvCacheBudget / (per_slot ? per_slot : 1);
  const size_t row = size_t(m.n_vocab()) * sizeof(float);
  n = n < kLogitsBudget / row ? n : kLogitsBudget / row;
  if (n > size_t(max_slots)) n = size_t(max_slots);
  return n < 1 ? 1 : int(n);
}

// Rows of logits one forward call may want within kLogitsBudget, in [16, kMaxBatchTokens].
inline int batch_tokens_within_budget(const model::Model& m) {
  const int64_t n = int64_t(kLogitsBudget / (size_t(m.n_vocab()) * sizeof(float)));
  return int(n < 16 ? 16 : n > kMaxBatchTokens ? kMaxBatchTokens : n);
}

}  // namespace llmzip::codec
