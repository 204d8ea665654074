// SentencePiece BPE (GGUF tokenizer.ggml.model = "llama"), as llama.cpp runs
// it: spaces become U+2581 "▁", the text is cut into UTF-8 characters, and the
// adjacent pair whose concatenation is the highest-scoring token is merged
// first (leftmost on ties) until no pair forms a token. Characters that are no
// token become byte-fallback tokens <0xXX>.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/string_table.h"
#include "tokenizer/vocab.h"

namespace llmzip::tokenizer {

class SpmModel {
 public:
  explicit SpmModel(const Vocab& vocab);

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
    std::vector<int32_t> pool;
    StringTable cache;                                  // chunk -> index in `cached`
    std::vector<std::pair<uint32_t, uint32_t>> cached;  // pool ranges
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
  // Runs the merges on the characters starts[first..last) of the escaped text.
  void encode_chunk(size_t first, size_t last, Scratch* s, std::vector<int32_t>* out,
                    std::vector<uint8_t>* byte_of) const;

  const Vocab* vocab_;
  // True when no piece has "▁" right after another character: then no token
  // can span the boundary before a word's "▁", words are merged independently
  // (same result as one pass over the whole text, far more cache-friendly)
  // and repeated words come from a cache.
  bool split_words_ = false;
};

}  // namespace llmzip::tokenizer
