// The two rules both sides must follow exactly (docs/format.md sections 4, 5):
// where the compressor cuts frames, and which context window predicts each token.
#pragma once

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
