// The one step from model to coder: for each token of a sequence (a frame),
// (the sequence's history, the model's logits for the next position) -> the
// integer frequency table both coder sides use (docs/format.md section 6).
//
// Compress, decompress and score all go through a Predictor, so a change to
// how frequencies are made is made here once and every path picks it up.
// Whatever it does is a pure function of the model file and the history
// (DEVELOPERS.md): integer arithmetic only after the model's table is built.
//
// Two kinds, chosen per file (header flag ADAPTIVE, docs/adaptive.md):
// - pure: the model's table as it is (every file before coder version 2);
// - adaptive: the model's distribution mixed with online models that learn
//   from this sequence's own history (a match model over the whole history,
//   hashed token n-grams of orders 0-3), by a mixer whose weights learn from
//   the coded loss. The decoder rebuilds the same state token by token.
//
//   Predictor p(n_vocab, adaptive);
//   StepTables& t = tables_of_this_thread;
//   for each token x of the sequence:
//     p.predict(logits_for_this_position, t);   // nullptr: no model input
//     code x with t.coded();
//     p.update(x, t);
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "coder/frequency_table.h"

namespace llmzip::codec {

class AdaptiveState;

// One step's tables (per thread scratch, reused across steps and sequences).
class StepTables {
 public:
  // The table the coder uses.
  const coder::FrequencyTable& coded() const { return mixed_ ? mix_ : model_; }
  // The model's own table (the pure predictor's; score's model-only bits).
  const coder::FrequencyTable& model() const { return model_; }

 private:
  friend class Predictor;
  friend class AdaptiveState;
  coder::FrequencyTable model_, mix_;
  std::vector<uint32_t> freqs_;
  bool mixed_ = false;
};

class Predictor {
 public:
  Predictor(size_t n_vocab, bool adaptive);
  Predictor(Predictor&&) noexcept;
  Predictor& operator=(Predictor&&) noexcept;
  ~Predictor();

  // The tables for the next token (history().size() tokens coded so far).
  // `logits` holds the model's n_vocab logits for that position, or is nullptr
  // when the token is predicted without any model input (the first token of a
  // frame whose windows have no start token): the model's table is then uniform.
  void predict(const float* logits, StepTables& t);
  // The token coded under the last predict(), with the same tables.
  void update(int32_t token, const StepTables& t);

  std::span<const int32_t> history() const { return history_; }
  size_t n_vocab() const { return n_vocab_; }
  bool adaptive() const { return state_ != nullptr; }

 private:
  size_t n_vocab_;
  std::vector<int32_t> history_;
  std::unique_ptr<AdaptiveState> state_;  // null: pure
};

}  // namespace llmzip::codec
