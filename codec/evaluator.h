// Runs the model over whole token sequences the way compress does: each
// sequence is split into the context windows of docs/format.md section 5, the
// windows of many sequences are packed into batches, and for every token the
// caller receives that step's integer frequency table (section 6), made by the
// sequence's Predictor (codec/predictor.h).
//
// Used by compress and by score/distance, so the bits score reports are the
// bits compress spends. Its mirror image for decompression, where tokens
// become known one at a time, is codec/decoder.h. Tables are handed out per
// sequence in token order; different sequences may be handled concurrently on
// different threads.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "codec/predictor.h"
#include "coder/frequency_table.h"
#include "common/status.h"
#include "common/thread_pool.h"
#include "model/model.h"

namespace llmzip::codec {

struct EvalSettings {
  uint32_t n_ctx = 512;      // context window (tokens, start token included)
  bool has_start = true;     // windows begin with start_token
  int32_t start_token = 0;
  bool adaptive = false;     // the adaptive Predictor (header flag ADAPTIVE), else the pure one
  model::KvType kv_type = model::kv_type_for_numerics(model::kNumericsVersion);  // the header's numerics version
};

// visit(seq, i, table): the frequencies for token i of sequence seq. Called in
// increasing i for each seq; calls for different seqs may run concurrently.
// `thread` (0 .. pool.size()-1) identifies the calling worker. A non-ok Status
// stops the evaluation and is returned.
using TableVisitor = std::function<Status(size_t seq, size_t i, const coder::FrequencyTable& table, int thread)>;

class Evaluator {
 public:
  Evaluator(const model::Model& m, const EvalSettings& s, ThreadPool& pool);
  ~Evaluator();

  // Evaluates all sequences (each a token list) and visits every token's table.
  // `after_batch(done, total)`, if set, is called after each forward pass with
  // the number of tokens visited so far and in all (for progress display).
  Status run(std::span<const std::vector<int32_t>> seqs, const TableVisitor& visit,
             const std::function<void(uint64_t, uint64_t)>& after_batch = nullptr);

  // During a visit on `thread`: the model's own table for that token (the
  // pure predictor's; equal to the visited table when not adaptive).
  const coder::FrequencyTable& model_table(int thread) const { return tables_[thread].model(); }

  // Max tokens per forward call (codec/limits.h).
  int batch_tokens() const { return batch_tokens_; }

 private:
  static constexpr int kMaxSlots = 16;
  const model::Model& model_;
  EvalSettings s_;
  ThreadPool& pool_;
  int batch_tokens_;
  int n_slots_;
  std::unique_ptr<model::KvCache> cache_;
  std::vector<float> logits_;
  std::vector<StepTables> tables_;  // one per thread
};

}  // namespace llmzip::codec
