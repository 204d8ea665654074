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

#include "tokenizer/word_cache.h"
#include "tokenizer/vocab.h"

namespace llmzip::tokenizer {

class SpmModel {
 public:
  // `byte_token[b]`: the token for byte b (-1 if none), used for characters
  // that form no token.
  SpmModel(const Vocab& vocab, const int32_t byte_token[256]);

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
    std::vector<uint32_t> starts;  // character starts in `escaped` (+ its end)
    std::vector<Sym> syms;
    std::vector<Bigram> heap;
  };

  // Appends the ids for `text` (raw bytes). With `space_prefix` a space is put
  // in front first. Characters that form no token come out as byte tokens,
  // or as kNoToken where the vocabulary has no token for a byte. Results of
  // whole words go through `cache` (see word_cache.h).
  static constexpr int32_t kNoToken = -1;
  void encode(std::string_view text, bool space_prefix, Scratch* scratch, WordCache* cache,
              std::vector<int32_t>* out) const;

 private:
  // Runs the merges on the characters starts[first..last) of the escaped text.
  void encode_chunk(size_t first, size_t last, Scratch* s, std::vector<int32_t>* out) const;

  const Vocab* vocab_;
  int32_t byte_token_[256];
  // True when no piece has "▁" right after another character: then no token
  // can span the boundary before a word's "▁", words are merged independently
  // (same result as one pass over the whole text, far more cache-friendly)
  // and repeated words come from a cache.
  bool split_words_ = false;
};

}  // namespace llmzip::tokenizer
