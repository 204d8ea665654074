// The `rank-zlib` method (docs/format.md section 7.2), after LLMZip's
// "LLaMA+zlib": each token is replaced by its rank under the model's order
// (frequency descending, ties by lower id), the ranks are written as LEB128
// varints and the whole frame's stream is zlib-compressed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coder/frequency_table.h"
#include "common/status.h"

namespace llmzip::coder {

// The rank of `token` (< t.size(), asserts): #{j : f_j > f_t or (f_j == f_t and
// j < t)}. One pass over the vocabulary.
uint32_t rank_of(const FrequencyTable& t, uint32_t token);

// The token whose rank is `rank`, or -1 when rank >= t.size() (corrupt input).
// One scan for ranks < 32 (the usual case); otherwise O(n) expected (a
// selection, then a scan). `scratch` is reused between calls.
int64_t token_of_rank(const FrequencyTable& t, uint32_t rank, std::vector<uint32_t>& scratch);

// Collects a frame's ranks and produces the payload.
class RankEncoder {
 public:
  void add(uint32_t rank);
  // zlib stream (RFC 1950) of the varints, at `level` (0-9). The encoder is reset.
  Result<std::string> finish(int level = 9);
  size_t count() const { return count_; }

 private:
  std::string varints_;
  size_t count_ = 0;
};

// Reads ranks back from a payload.
class RankDecoder {
 public:
  // Inflates `payload`, which must hold exactly `token_count` canonical
  // varints (each < 2^28) and end exactly at the zlib stream's end. kCorrupt
  // with a message saying what is wrong otherwise. Memory <= 4 bytes per token.
  static Result<RankDecoder> open(std::string_view payload, uint64_t token_count);
  // The next rank; call exactly token_count times (asserts).
  uint32_t next();

 private:
  std::vector<uint32_t> ranks_;
  size_t pos_ = 0;
};

}  // namespace llmzip::coder
