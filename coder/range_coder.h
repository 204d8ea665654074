// Range coder with a 64-bit state (docs/format.md section 7.1), the `ac` method.
//
// Symbols are coded with a cumulative frequency `cum` and a frequency `freq`
// out of a total of 2^kTotalBits (FrequencyTable builds those). The encoder
// appends bytes to an in-memory payload; the carry out of `low` is propagated
// into the bytes already written (rare path, out of line). The decoder reads
// bytes past the end of the payload as zero, so the encoder may drop trailing
// zero bytes. Coding loss: < 2^-24 bits relative per symbol plus <= 1 byte per
// stream for the flush.
#pragma once

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmzip::coder {

inline constexpr int kTotalBits = 31;
inline constexpr uint64_t kTotal = uint64_t{1} << kTotalBits;

class RangeEncoder {
 public:
  // Codes one symbol. Requires freq >= 1 and cum + freq <= 2^31 (asserts).
  void encode(uint32_t cum, uint32_t freq) {
    assert(freq >= 1 && uint64_t{cum} + freq <= kTotal);
    const uint64_t r = range_ >> kTotalBits;
    const uint64_t add = r * cum;
    low_ += add;
    if (low_ < add) propagate_carry();
    range_ = r * freq;
    while (range_ < kTop) {
      out_.push_back(char(low_ >> 56));
      low_ <<= 8;
      range_ <<= 8;
    }
  }

  // Flushes (1 byte at most), drops trailing zero bytes and returns the payload.
  // The encoder is reset and can code a new stream.
  std::string finish();

  // Bytes written so far (before the flush); for progress and size estimates.
  size_t bytes_written() const { return out_.size(); }

 private:
  static constexpr uint64_t kTop = uint64_t{1} << 56;
  void propagate_carry();

  uint64_t low_ = 0;
  uint64_t range_ = ~uint64_t{0};
  std::string out_;
};

class RangeDecoder {
 public:
  // `payload` must outlive the decoder.
  explicit RangeDecoder(std::string_view payload);

  // The value to look up with FrequencyTable::find. A value >= 2^31 means the
  // payload is corrupt (no symbol has it). Must be followed by consume().
  uint64_t target() {
    r_ = range_ >> kTotalBits;
    return code_ / r_;
  }

  // Removes the symbol found for the last target(): cum <= target < cum + freq.
  void consume(uint32_t cum, uint32_t freq) {
    assert(freq >= 1 && uint64_t{cum} + freq <= kTotal);
    code_ -= r_ * cum;
    range_ = r_ * freq;
    while (range_ < kTop) {
      code_ = (code_ << 8) | next_byte();
      range_ <<= 8;
    }
  }

  // After the last symbol: true when the payload is canonical for what was
  // decoded (no trailing zero byte, no byte the encoder could not have written).
  bool finished_cleanly() const;

  // Bytes read so far, counting those past the end of the payload.
  uint64_t bytes_read() const { return pos_; }

 private:
  static constexpr uint64_t kTop = uint64_t{1} << 56;
  uint8_t next_byte() {
    uint8_t b = pos_ < data_.size() ? uint8_t(data_[pos_]) : 0;
    ++pos_;
    return b;
  }

  std::string_view data_;
  uint64_t pos_ = 0;
  uint64_t code_ = 0;
  uint64_t range_ = ~uint64_t{0};
  uint64_t r_ = 1;
};

}  // namespace llmzip::coder
