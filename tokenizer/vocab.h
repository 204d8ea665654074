// The vocabulary part of a GGUF file: token pieces, scores, types, merges and
// special-token settings, copied out of the file (a Vocab does not need the
// GgufFile to stay open). Only metadata is read; vocabulary-only files work.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "gguf/gguf.h"
#include "tokenizer/string_table.h"

namespace llmzip::tokenizer {

// llama.cpp's token types (tokenizer.ggml.token_type).
enum class TokenType : uint8_t {
  kUndefined = 0, kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6,
};

enum class ModelKind : uint8_t {
  kSpm,  // tokenizer.ggml.model = "llama": SentencePiece BPE with scores
  kBpe,  // tokenizer.ggml.model = "gpt2": byte-level BPE with merges
};

struct Vocab {
  ModelKind kind = ModelKind::kBpe;
  std::string model;  // tokenizer.ggml.model
  std::string pre;    // tokenizer.ggml.pre ("" when absent)
  std::vector<std::string> pieces;
  std::vector<float> scores;  // empty unless present
  std::vector<TokenType> types;
  std::vector<std::string> merges;  // "left right", in rank order (BPE)
  int32_t bos_id = -1, eos_id = -1, unk_id = -1;
  bool add_bos = false, add_eos = false, add_space_prefix = true;

  int32_t n_vocab() const { return static_cast<int32_t>(pieces.size()); }
  // Id of the token whose piece is exactly `text` (any type), or -1. When
  // several tokens share a piece, the highest id wins (as in llama.cpp).
  int32_t find(std::string_view text) const { return find(text, hash_bytes(text)); }
  int32_t find(std::string_view text, uint64_t h) const { return index.may_contain(h) ? index.find(text, h) : -1; }

  // Built by load_vocab after `pieces` is final (it points into it).
  StringTable index;
};

// Reads and checks the tokenizer metadata. kMissing for absent required keys,
// kCorrupt for inconsistent ones (array lengths, ids out of range),
// kUnsupported for an unknown tokenizer.ggml.model. Messages name the file.
Result<std::unique_ptr<Vocab>> load_vocab(const gguf::GgufFile& file);

}  // namespace llmzip::tokenizer
