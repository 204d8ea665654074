#include "codec/frame_tokens.h"

#include <string>

namespace llmzip::codec {

bool tokenizer_adds_space(const tokenizer::Tokenizer& tok) {
  auto ids = tok.encode("a");
  if (!ids) return false;
  std::string s;
  for (int32_t id : *ids) s += tok.token_bytes_view(id);
  return s == " a";
}

std::optional<std::vector<int32_t>> tokenize_frame(const tokenizer::Tokenizer& tok, std::string_view frame,
                                                   bool space_prefix) {
  auto ids = tok.encode(frame);
  if (!ids) return std::nullopt;
  // Check the decoder's rule: concatenated pieces (minus the prefix space)
  // must give back exactly the frame. Never trust the tokenizer blindly.
  size_t pos = 0;
  bool skip_space = space_prefix;
  for (int32_t id : *ids) {
    std::string_view b = tok.token_bytes_view(id);
    if (b.empty()) return std::nullopt;
    if (skip_space) {
      if (b[0] != ' ') return std::nullopt;
      b.remove_prefix(1);
      skip_space = false;
    }
    if (frame.substr(pos, b.size()) != b) return std::nullopt;
    pos += b.size();
  }
  if (skip_space || pos != frame.size()) return std::nullopt;
  return std::move(ids).value();
}

}  // namespace llmzip::codec
