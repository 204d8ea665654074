// The `rank-zlib` method (docs/format.md section 7.2), after LLMZip's
// "LLaMA+zlib": each token is replaced by its rank under the model's order
// (frequency descending, ties by lower id), the ranks are written as LEB128
// varints and the whole frame's stream is zlib-compressed.
#pragma once

#include <cstdint>
#include <memory>
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

// Reads ranks back from a payload, inflating it as the ranks are asked for:
// memory is a zlib window and a small buffer whatever the payload claims.
class RankDecoder {
 public:
  // Checks that `payload` (which must outlive the decoder) holds exactly
  // `token_count` canonical varints (each < 2^28) and ends exactly at the zlib
  // stream's end, by one inflating pass that stores nothing and stops at the
  // first rank beyond `token_count`. kCorrupt with a message saying what is
  // wrong otherwise.
  static Result<RankDecoder> open(std::string_view payload, uint64_t token_count);
  RankDecoder();
  ~RankDecoder();
  RankDecoder(RankDecoder&&) noexcept;
  RankDecoder& operator=(RankDecoder&&) noexcept;
  // The next rank; call exactly token_count times (asserts).
  uint32_t next();

 private:
  struct Stream;  // an inflating varint reader (rank_coder.cc)
  std::unique_ptr<Stream> stream_;
  uint64_t left_ = 0;
};

}  // namespace llmzip::coder
