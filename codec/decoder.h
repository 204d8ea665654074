// The mirror image of Evaluator (codec/evaluator.h) for decompression: runs the
// model over token sequences whose tokens become known one at a time, because
// each is decoded from the frequency table of the step before.
//
// All sequences of a run step together, one token each per step: every step
// is one forward call with one logits row per unfinished sequence. When a
// sequence's next token lies past its current context window, its slot is
// cleared and the new window's tokens are fed again (docs/format.md section 5,
// the same windows Evaluator uses), spread over forward calls of at most
// kMaxBatchTokens entries. Tables come from each sequence's Predictor, so both
// sides see the same frequencies.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "codec/evaluator.h"
#include "codec/predictor.h"
#include "coder/frequency_table.h"
#include "common/status.h"
#include "common/thread_pool.h"
#include "model/model.h"

namespace llmzip::codec {

// decode(seq, table, thread): the next token of sequence `seq`, read from the
// coder under `table`. Called in token order for each seq; calls for different
// seqs may run concurrently. A non-ok result stops the run and is returned.
using TokenDecodeFn = std::function<Result<int32_t>(size_t seq, const coder::FrequencyTable& table, int thread)>;

class Decoder {
 public:
  Decoder(const model::Model& m, const EvalSettings& s, ThreadPool& pool);
  ~Decoder();

  // How many sequences one run() may decode together (KV slots within codec/limits.h).
  size_t max_sequences() const { return size_t(n_slots_); }

  // Decodes lengths.size() <= max_sequences() sequences of lengths[q] >= 1
  // tokens. Tokens returned by `decode` must be < n_vocab (kCorrupt otherwise,
  // via the caller's check). `after_step`, if set, runs after every step.
  Status run(std::span<const uint64_t> lengths, const TokenDecodeFn& decode,
             const std::function<void()>& after_step = nullptr);

  // Sequence q's tokens after run() (all of them when it succeeded).
  std::span<const int32_t> tokens(size_t q) const { return preds_[q].history(); }

 private:
  // Frames decoded side by side at most (within codec/limits.h's budgets):
  // more of them share each step's weight reads. A 5 MB input has 80 frames.
  static constexpr int kMaxSlots = 128;
  const model::Model& model_;
  EvalSettings s_;
  ThreadPool& pool_;
  int n_slots_;
  std::unique_ptr<model::KvCache> cache_;
  std::vector<float> logits_;
  std::vector<StepTables> tables_;  // one per thread
  std::vector<Predictor> preds_;               // one per sequence of the last run
};

}  // namespace llmzip::codec
