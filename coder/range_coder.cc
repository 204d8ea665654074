#include "coder/range_coder.h"

namespace llmzip::coder {

void RangeEncoder::propagate_carry() {
  // The coded interval always lies inside [0, 1), so a carry never runs past
  // the first byte: some earlier byte is below 0xFF.
  size_t i = out_.size();
  while (true) {
    assert(i > 0);
    --i;
    uint8_t b = uint8_t(out_[i]);
    out_[i] = char(uint8_t(b + 1));
    if (b != 0xFF) break;
  }
}

std::string RangeEncoder::finish() {
  // Any value in [low, low + range) identifies the stream; range >= 2^56, so the
  // multiple of 2^56 at or above low is one, and it needs a single byte.
  constexpr uint64_t kMask = kTop - 1;
  const uint64_t v = low_ + kMask;
  if (v < low_) propagate_carry();
  out_.push_back(char((v & ~kMask) >> 56));
  while (!out_.empty() && out_.back() == 0) out_.pop_back();
  std::string result;
  result.swap(out_);
  low_ = 0;
  range_ = ~uint64_t{0};
  return result;
}

RangeDecoder::RangeDecoder(std::string_view payload) : data_(payload) {
  for (int i = 0; i < 8; ++i) code_ = (code_ << 8) | next_byte();
}

bool RangeDecoder::finished_cleanly() const {
  // The encoder wrote (renormalisation bytes + 1) bytes before trimming zeros;
  // the decoder has read 8 + renormalisation bytes, i.e. 7 more.
  if (!data_.empty() && data_.back() == 0) return false;
  return data_.size() + 7 <= pos_;
}

}  // namespace llmzip::coder
