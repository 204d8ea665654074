#include "codec/frame_tokens.h"

#include <string>

namespace llmzip::codec {

std::optional<std::vector<int32_t>> tokenize_frame(const tokenizer::Tokenizer& tok, std::string_view frame,
                                                   bool space_prefix) {
  auto ids = tok.encode(frame);
  if (!ids) return std::nullopt;
  // Check the decoder's rule: never trust the tokenizer blindly.
  std::string bytes;
  bytes.reserve(frame.size() + 1);
  for (int32_t id : *ids) {
    const std::string_view b = tok.token_bytes_view(id);
    if (b.empty()) return std::nullopt;
    bytes += b;
  }
  const auto text = tokenizer::Tokenizer::strip_space_prefix(bytes, space_prefix);
  if (!text || *text != frame) return std::nullopt;
  return std::move(ids).value();
}

}  // namespace llmzip::codec
