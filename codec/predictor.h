// The one step from model to coder: for each token of a sequence (a frame),
// (the sequence's history, the model's logits for the next position) -> the
// integer frequency table both coder sides use (docs/format.md section 6).
//
// Compress, decompress and score all go through a Predictor, so a change to
// how frequencies are made (adaptive models, mixing) is made here once and
// every path picks it up. Whatever it does must be a pure function of the
// model file and the history (DEVELOPERS.md), identical on both sides.
//
//   Predictor p(n_vocab);
//   for each token t of the sequence:
//     p.predict(logits_for_this_position, table);  // nullptr: no model input
//     code t with table;
//     p.update(t);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "coder/frequency_table.h"

namespace llmzip::codec {

class Predictor {
 public:
  explicit Predictor(size_t n_vocab) : n_vocab_(n_vocab) {}

  // The table for the next token (history().size() tokens coded so far).
  // `logits` holds the model's n_vocab logits for that position, or is nullptr
  // when the token is predicted without any model input (the first token of a
  // frame whose windows have no start token): then every token is equally likely.
  void predict(const float* logits, coder::FrequencyTable& out) const;
  // The token that was coded under the last predict().
  void update(int32_t token) { history_.push_back(token); }

  std::span<const int32_t> history() const { return history_; }
  size_t n_vocab() const { return n_vocab_; }

 private:
  size_t n_vocab_;
  std::vector<int32_t> history_;
};

}  // namespace llmzip::codec
