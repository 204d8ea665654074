// Tokenizing a frame for coding, shared by compress and score.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace llmzip::codec {

// The frame's tokens when the decoder's rule (concatenated token bytes, minus
// the prefix space if `space_prefix`: Tokenizer::strip_space_prefix) gives back
// exactly `frame` and no token is empty; nullopt when the frame must be stored.
std::optional<std::vector<int32_t>> tokenize_frame(const tokenizer::Tokenizer& tok, std::string_view frame,
                                                   bool space_prefix);

}  // namespace llmzip::codec
