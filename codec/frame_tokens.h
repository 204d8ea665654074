// Tokenizing a frame for coding, shared by compress and score.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace llmzip::codec {

// Whether the tokenizer puts a space in front of what it encodes
// (SentencePiece add_space_prefix): format.md's SPACE_PREFIX flag.
bool tokenizer_adds_space(const tokenizer::Tokenizer& tok);

// The frame's tokens when the decoder's rule (concatenated token bytes, minus
// the prefix space if `space_prefix`) gives back exactly `frame` and no token
// is empty; nullopt when the frame must be stored instead.
std::optional<std::vector<int32_t>> tokenize_frame(const tokenizer::Tokenizer& tok, std::string_view frame,
                                                   bool space_prefix);

}  // namespace llmzip::codec
