// The two rules both sides must follow exactly (docs/format.md sections 4, 5):
// where the compressor cuts frames, and which context window predicts each token.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace llmzip::codec {

// Length of the next frame of `rest` (the input from the frame's start to the end
// of what is buffered) for target size `target` (>= 1). `at_end` says whether
// `rest` reaches the end of the input; when false and rest.size() <= target the
// caller must buffer more before cutting (this returns 0 then).
size_t next_frame_length(std::string_view rest, uint64_t target, bool at_end);

// Cuts the frames of an input whose start is not text (format.md section 4).
// The input is judged in segments of kSegmentBytes, from the start of each
// classic frame: a run of at least kTextRunSegments text segments (not
// looks_binary) is cut into text frames of `text_target` by the text rule
// and ends where its last segment does; everything else, binary segments and
// the shorter text runs between them, goes into classic frames of up to
// `max_bytes`. So a frame longer than the text target is binary as a whole
// (each of its segments is, or lies between binary ones) unless max_bytes is
// below a text run, and the model codes only long stretches of text, never
// the strings of an executable.
class BinaryInputCutter {
 public:
  static constexpr uint64_t kSegmentBytes = 256 << 10;
  static constexpr uint64_t kTextRunSegments = 4;
  // The buffer a caller needs so that next() never asks for more at its start.
  static uint64_t lookahead(uint64_t max_bytes) { return std::max(max_bytes, kTextRunSegments * kSegmentBytes) + 1; }

  BinaryInputCutter(uint64_t max_bytes, uint64_t text_target)
      : max_bytes_(std::max(kSegmentBytes, max_bytes)), text_target_(text_target) {}

  // Length of the next frame of `rest` (from the frame's start to the end of
  // what is buffered; `at_end`: rest reaches the end of the input), or 0 when
  // more must be buffered first. Call in input order, taking each frame.
  size_t next(std::string_view rest, bool at_end);

 private:
  uint64_t max_bytes_, text_target_;
  uint64_t text_left_ = 0;  // bytes of the current text run not yet in frames
};

// Context windows for a frame of n_tokens tokens (section 5). Window k starts at
// token `begin` and is used to predict tokens [first, end); its evaluated
// sequence is [start token if has_start] + t[begin .. end-1).
struct Window {
  uint64_t begin, first, end;
};
std::vector<Window> context_windows(uint64_t n_tokens, uint32_t n_ctx, bool has_start);

// b(i): the first token of the window that predicts token i (closed form of
// section 5; equals the `begin` of the Window holding i). O(1), no allocation.
uint64_t window_begin(uint64_t i, uint32_t n_ctx, bool has_start);

}  // namespace llmzip::codec
