#include "coder/tbyt_coder.h"

#include <cassert>

namespace llmzip::coder {
namespace {

constexpr int kMaxLen = 31;

// cnt[l] = number of symbols of length l; first[l] = the first codeword of length l.
void canonical_tables(const FrequencyTable& t, uint32_t cnt[kMaxLen + 2], uint64_t first[kMaxLen + 2]) {
  for (int l = 0; l <= kMaxLen + 1; ++l) cnt[l] = 0;
  const uint32_t* c = t.cumulative();
  const size_t n = t.size();
  for (size_t j = 0; j < n; ++j) ++cnt[tbyt_code_length(c[j + 1] - c[j])];
  first[1] = 0;
  for (int l = 1; l <= kMaxLen; ++l) first[l + 1] = (first[l] + cnt[l]) << 1;
}

}  // namespace

void BitWriter::put(uint32_t code, int len) {
  assert(len >= 0 && len <= 32);
  acc_ = (acc_ << len) | (uint64_t(code) & ((uint64_t{1} << len) - 1));
  nbits_ += len;
  while (nbits_ >= 8) {
    nbits_ -= 8;
    out_.push_back(char(uint8_t(acc_ >> nbits_)));
  }
  acc_ &= (uint64_t{1} << nbits_) - 1;
}

std::string BitWriter::finish() {
  if (nbits_ > 0) out_.push_back(char(uint8_t(acc_ << (8 - nbits_))));
  std::string r;
  r.swap(out_);
  acc_ = 0;
  nbits_ = 0;
  return r;
}

bool BitReader::finished_cleanly() const {
  const uint64_t total = data_.size() * 8;
  if (total - pos_ >= 8) return false;
  for (uint64_t p = pos_; p < total; ++p) {
    if ((uint8_t(data_[p >> 3]) >> (7 - (p & 7))) & 1) return false;
  }
  return true;
}

void tbyt_encode(const FrequencyTable& t, uint32_t token, BitWriter& out) {
  assert(token < t.size());
  uint32_t cnt[kMaxLen + 2];
  uint64_t first[kMaxLen + 2];
  canonical_tables(t, cnt, first);
  const uint32_t* c = t.cumulative();
  const int len = tbyt_code_length(c[token + 1] - c[token]);
  uint32_t k = 0;  // symbols of the same length with a lower id
  for (uint32_t j = 0; j < token; ++j) k += tbyt_code_length(c[j + 1] - c[j]) == len;
  out.put(uint32_t(first[len] + k), len);
}

int64_t tbyt_decode(const FrequencyTable& t, BitReader& in) {
  uint32_t cnt[kMaxLen + 2];
  uint64_t first[kMaxLen + 2];
  canonical_tables(t, cnt, first);
  if (cnt[0] == 1) return 0;  // n_vocab == 1: the only token costs no bits
  uint64_t v = 0;
  for (int len = 1; len <= kMaxLen; ++len) {
    const int b = in.get();
    if (b < 0) return -1;
    v = (v << 1) | uint64_t(b);
    // v >= first[len] always holds (see the canonical construction).
    if (v - first[len] < cnt[len]) {
      uint64_t k = v - first[len];
      const uint32_t* c = t.cumulative();
      for (size_t j = 0; j < t.size(); ++j) {
        if (tbyt_code_length(c[j + 1] - c[j]) == len) {
          if (k == 0) return int64_t(j);
          --k;
        }
      }
      assert(false && "canonical code inconsistent");
      return -1;
    }
  }
  return -1;
}

}  // namespace llmzip::coder
