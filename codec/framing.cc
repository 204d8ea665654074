#include "codec/framing.h"

#include <cassert>

#include "codec/binary_detect.h"

namespace llmzip::codec {

size_t next_frame_length(std::string_view rest, uint64_t target, bool at_end) {
  assert(target >= 1);
  const uint64_t n = rest.size();
  if (n <= target) return at_end ? n : 0;
  const uint64_t lo = (target + 1) / 2;  // ceil(T/2), relative to the frame start
  const uint64_t hi = target;
  // Rule 2: the last newline in [lo-1, hi-1]; the frame ends after it.
  for (uint64_t p = hi; p-- > lo - 1;) {
    if (rest[p] == '\n') return p + 1;
    if (p == 0) break;
  }
  // Rule 3: the largest q in [lo, hi] at a UTF-8 sequence start; the frame is [0, q).
  for (uint64_t q = hi + 1; q-- > lo;) {
    if ((uint8_t(rest[q]) & 0xC0) != 0x80) return q;
    if (q == 0) break;
  }
  return target;
}

size_t BinaryInputCutter::next(std::string_view rest, bool at_end) {
  if (rest.empty()) return 0;
  if (text_left_ > 0) {
    const size_t len = next_frame_length(rest.substr(0, text_left_), text_target_, true);
    text_left_ -= len;
    return len;
  }
  uint64_t classic = 0;  // the classic frame so far: up to the last binary segment
  uint64_t text = 0;     // text segments since then
  for (uint64_t pos = 0;;) {
    if (pos == rest.size()) {  // the end of the input (or of the buffer)
      if (!at_end) return 0;
      return size_t(pos);      // a short text run at the end joins the classic frame
    }
    if (pos + std::min<uint64_t>(kSegmentBytes, rest.size() - pos) > max_bytes_) {
      if (classic > 0) return size_t(classic);
      // Fewer than kTextRunSegments text segments reach the limit (a limit
      // below them, from a size hint the input outgrew): a frame of them.
      return size_t(std::min<uint64_t>(max_bytes_, rest.size()));
    }
    if (pos + kSegmentBytes > rest.size() && !at_end) return 0;
    const std::string_view seg = rest.substr(pos, kSegmentBytes);
    pos += seg.size();
    if (looks_binary(seg)) {
      classic = pos, text = 0;
      continue;
    }
    if (++text < kTextRunSegments) continue;
    if (classic > 0) return size_t(classic);  // a long text run follows the classic frame
    // A long text run starts here: it goes on to the next binary segment.
    while (pos < rest.size() && (pos + kSegmentBytes <= rest.size() || at_end) &&
           !looks_binary(rest.substr(pos, kSegmentBytes)))
      pos += std::min<uint64_t>(kSegmentBytes, rest.size() - pos);
    text_left_ = pos;
    return next(rest, at_end);
  }
}

std::vector<Window> context_windows(uint64_t n_tokens, uint32_t n_ctx, bool has_start) {
  std::vector<Window> out;
  const uint64_t P = has_start ? 1 : 0;
  const uint64_t C = n_ctx, R = C / 4;
  assert(C >= 2 && P + R < C);
  uint64_t b = 0, first = 0;
  for (uint64_t i = 0; i < n_tokens; ++i) {
    if (P + (i - b) > C) {
      out.push_back({b, first, i});
      b = i - R;
      first = i;
    }
  }
  if (n_tokens > 0) out.push_back({b, first, n_tokens});
  return out;
}

uint64_t window_begin(uint64_t i, uint32_t n_ctx, bool has_start) {
  const uint64_t P = has_start ? 1 : 0;
  const uint64_t C = n_ctx, R = C / 4, D = C + 1 - P - R;
  if (i < C + 1 - P) return 0;
  return D * ((i - (C + 1 - P)) / D + 1);
}

}  // namespace llmzip::codec
