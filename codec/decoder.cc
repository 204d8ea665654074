#include "codec/decoder.h"

#include <cassert>

#include "codec/framing.h"
#include "codec/limits.h"

namespace llmzip::codec {

Decoder::Decoder(const model::Model& m, const EvalSettings& s, ThreadPool& pool) : model_(m), s_(s), pool_(pool) {
  n_slots_ = slots_within_budget(m, s.n_ctx, s.kv_type, kMaxSlots);
  cache_ = std::make_unique<model::KvCache>(m, n_slots_, int(s.n_ctx), s.kv_type);
  tables_.resize(pool.size());
}

Decoder::~Decoder() = default;

Status Decoder::run(std::span<const uint64_t> lengths, const TokenDecodeFn& decode,
                    const std::function<void()>& after_step) {
  assert(lengths.size() <= max_sequences());
  const uint64_t P = s_.has_start ? 1 : 0;
  const size_t vocab = size_t(model_.n_vocab());
  const size_t n = lengths.size();
  preds_.clear();
  preds_.reserve(n);
  for (size_t q = 0; q < n; ++q) preds_.emplace_back(vocab, s_.adaptive);
  // The window begin each slot's cache holds (none yet). Sequence q uses slot q.
  std::vector<uint64_t> slot_begin(n, UINT64_MAX);
  if (logits_.size() < n * vocab) logits_.resize(n * vocab);

  // Decodes token i of sequence q under `logits` (nullptr: no model input).
  auto step = [&](size_t q, const float* logits, int thread) -> Status {
    StepTables& tab = tables_[thread];
    preds_[q].predict(logits, tab);
    auto t = decode(q, tab.coded(), thread);
    if (!t) return t.status();
    assert(*t >= 0 && size_t(*t) < vocab);
    preds_[q].update(*t, tab);
    return Status::ok();
  };

  std::vector<model::BatchEntry> batch;
  std::vector<size_t> rows;  // sequence of each logits row
  for (;;) {
    batch.clear();
    rows.clear();
    bool pending = false;
    for (size_t q = 0; q < n; ++q) {
      uint64_t i = preds_[q].history().size();
      if (i >= lengths[q]) continue;
      pending = true;
      if (P == 0 && i == 0) {
        // The first token without a start token: no model input.
        LLMZIP_RETURN_IF_ERROR(step(q, nullptr, 0));
        if (++i >= lengths[q]) continue;
      }
      const uint64_t b = window_begin(i, s_.n_ctx, s_.has_start);
      const int slot = int(q);
      if (slot_begin[q] != b) {
        cache_->clear(slot);
        slot_begin[q] = b;
      }
      // Inputs 0 .. P + i - b - 1 must be in the cache; feed the missing ones.
      const uint64_t n_in = P + (i - b);
      const std::span<const int32_t> hist = preds_[q].history();
      bool wanted = false;
      for (uint64_t k = uint64_t(cache_->length(slot)); k < n_in && batch.size() < size_t(kMaxBatchTokens); ++k) {
        model::BatchEntry e;
        e.token = (P && k == 0) ? s_.start_token : hist[b + k - P];
        e.slot = slot;
        e.pos = int32_t(k);
        e.want_logits = wanted = k + 1 == n_in;
        batch.push_back(e);
      }
      if (wanted) rows.push_back(q);
    }
    if (!pending) break;
    if (batch.empty()) continue;  // only inputless first tokens this step
    LLMZIP_RETURN_IF_ERROR(model_.forward(batch, *cache_, pool_, logits_.data()));
    LLMZIP_RETURN_IF_ERROR(pool_.parallel_for_status(rows.size(), [&](size_t r, int thread) {
      return step(rows[r], logits_.data() + r * vocab, thread);
    }));
    if (after_step) after_step();
  }
  return Status::ok();
}

}  // namespace llmzip::codec
