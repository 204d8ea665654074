// SentencePiece BPE (GGUF tokenizer.ggml.model = "llama"), as llama.cpp runs
// it: spaces become U+2581 "▁", the text is cut into UTF-8 characters, and the
// adjacent pair whose concatenation is the highest-scoring token is merged
// first (leftmost on ties) until no pair forms a token. Characters that are no
// token become byte-fallback tokens <0xXX>.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/vocab.h"

namespace llmzip::tokenizer {

class SpmModel {
 public:
  explicit SpmModel(const Vocab& vocab) : vocab_(&vocab) {}

  // Reused buffers of one encode call.
  struct Scratch {
    struct Sym {
      int32_t prev, next;
      uint32_t begin, end;  // byte range in the escaped text; end == begin: merged away
    };
    struct Bigram {
      float score;
      int32_t left, right;
      uint32_t size;
    };
    std::string escaped;
    std::vector<Sym> syms;
    std::vector<Bigram> heap;
  };

  // Appends the ids for `text` (raw bytes). With `space_prefix` a space is put
  // in front first. Characters that form no token come out as kNoToken
  // entries, one per byte of `text` (the prefix is always "▁", a token in
  // every SentencePiece vocabulary we accept); `byte_of` receives, for each
  // kNoToken entry, the byte it stands for.
  static constexpr int32_t kNoToken = -1;
  void encode(std::string_view text, bool space_prefix, Scratch* scratch, std::vector<int32_t>* out,
              std::vector<uint8_t>* byte_of) const;

 private:
  const Vocab* vocab_;
};

}  // namespace llmzip::tokenizer
