// The `tbyt` method (docs/format.md section 7.3), after LLMZip's "LLaMA+TbyT":
// every token gets a prefix-free codeword of its own step, a canonical Shannon
// code with length 32 - bit_width(freq) = ceil(log2(2^31 / freq)) bits, so a
// token costs under 1 bit more than its ideal -log2 p. Codewords are ordered by
// (length, id); bits go most significant first. O(n) per token on each side.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

#include "coder/frequency_table.h"

namespace llmzip::coder {

// Length in bits of the codeword of a symbol with frequency `freq`: 1..31, or
// 0 for the single symbol of a one-token vocabulary (freq 2^31).
inline int tbyt_code_length(uint32_t freq) { return 32 - std::bit_width(freq); }

class BitWriter {
 public:
  // Appends the low `len` bits of `code` (len <= 32), most significant first.
  void put(uint32_t code, int len);
  // Pads with zero bits to a byte and returns the bytes; the writer is reset.
  std::string finish();
  uint64_t bits_written() const { return out_.size() * 8 + nbits_; }

 private:
  std::string out_;
  uint64_t acc_ = 0;  // nbits_ pending bits, right-aligned
  int nbits_ = 0;
};

class BitReader {
 public:
  explicit BitReader(std::string_view data) : data_(data) {}
  // The next bit, or -1 past the end.
  int get() {
    if (pos_ >= data_.size() * 8) return -1;
    const int b = (uint8_t(data_[pos_ >> 3]) >> (7 - (pos_ & 7))) & 1;
    ++pos_;
    return b;
  }
  // True when fewer than 8 bits are left and all of them are zero (padding).
  bool finished_cleanly() const;

 private:
  std::string_view data_;
  uint64_t pos_ = 0;
};

void tbyt_encode(const FrequencyTable& t, uint32_t token, BitWriter& out);
// The decoded token, or -1 when the bits are no codeword (corrupt payload).
int64_t tbyt_decode(const FrequencyTable& t, BitReader& in);

}  // namespace llmzip::coder
