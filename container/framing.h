// The two rules of docs/format.md that compressor and decompressor (or two
// compressors) must apply identically, as reference functions for the codec:
// where frames are cut (section 4) and where the context window starts
// (section 5). Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace llmzip::container {

// Length of the next frame, given `rest` = the input from the frame's start
// and the target size `target` >= 1 (asserts). Only the first target + 1
// bytes are looked at, so a streaming caller passes at least that many bytes,
// or everything that is left. Returns rest.size() when that is <= target;
// otherwise a length in [ceil(target/2), target]: just past the last newline
// in the frame's second half, else before the last UTF-8 lead/ASCII byte in
// that range, else exactly target.
size_t next_frame_length(std::string_view rest, size_t target);

// Start b(i) of the window used to predict token i of a frame: the window is
// [start token if has_start_token] + tokens b(i) .. i-1, evaluated from
// position 0. n_ctx >= 8 (asserts). O(1).
uint64_t window_start(uint64_t i, uint32_t n_ctx, bool has_start_token);

}  // namespace llmzip::container
