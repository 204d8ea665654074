// Model logits -> integer frequencies and cumulative frequencies, the input of
// every coder (docs/format.md section 6, coder_version 1).
//
// The result is a pure function of the logits' bit patterns: one exact float
// step (clamp, scale by 2^16, truncate), then integer arithmetic only (an
// exp2 table, 64/128-bit integer scaling). Every symbol gets frequency >= 1 and
// the frequencies sum to exactly 2^31, whatever the platform, compiler or SIMD
// level. Cost: a few linear passes over the vocabulary (~2.7 ns per entry on
// one x86-64 core; SSE2 for the first pass, LLMZIP_CODER_SCALAR forces scalar).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "coder/range_coder.h"

namespace llmzip::coder {

inline constexpr size_t kMaxVocab = size_t{1} << 24;

class FrequencyTable {
 public:
  // Builds from n_vocab float32 logits, 1 <= n_vocab <= kMaxVocab (asserts).
  // NaN counts as -16384, +-inf as +-16384 (clamped), so any bits are accepted.
  void build_from_logits(const float* logits, size_t n_vocab);

  // The table of an all-zero logit vector: near uniform (the first token when
  // a file has no start token).
  void build_uniform(size_t n_vocab);

  // Takes given frequencies (tests, other predictors): each >= 1 and the sum
  // exactly 2^31 (asserts).
  void build_from_freqs(const uint32_t* freqs, size_t n);

  size_t size() const { return n_; }
  uint32_t cum(uint32_t symbol) const { return cum_[symbol]; }
  uint32_t freq(uint32_t symbol) const { return cum_[symbol + 1] - cum_[symbol]; }
  // n + 1 nondecreasing entries, cum[0] = 0, cum[n] = 2^31.
  const uint32_t* cumulative() const { return cum_.data(); }

  // The symbol s with cum(s) <= target < cum(s + 1), or -1 when target >= 2^31
  // (only a corrupt stream gives one). O(log n).
  int64_t find(uint64_t target) const;

  // -log2(freq/2^31): the ideal cost of coding `symbol` under this table.
  double cost_bits(uint32_t symbol) const;

  // XXH64 of the cumulative array (as little-endian u32): a fingerprint for
  // determinism checks across batch sizes, threads and SIMD levels.
  uint64_t hash() const;

 private:
  void finish_from_weights(uint32_t argmax, uint64_t weight_sum);

  size_t n_ = 0;
  std::vector<uint32_t> cum_;      // n_ + 1
  std::vector<uint32_t> scratch_;  // n_: fixed-point logits, then weights
};

// Encoder/decoder conveniences for the `ac` method.
inline void encode_symbol(RangeEncoder& enc, const FrequencyTable& t, uint32_t symbol) {
  enc.encode(t.cum(symbol), t.freq(symbol));
}
// Returns the decoded symbol, or -1 when the payload is corrupt.
inline int64_t decode_symbol(RangeDecoder& dec, const FrequencyTable& t) {
  int64_t s = t.find(dec.target());
  if (s < 0) return -1;
  dec.consume(t.cum(uint32_t(s)), t.freq(uint32_t(s)));
  return s;
}

}  // namespace llmzip::coder
