// Byte-level BPE (GGUF tokenizer.ggml.model = "gpt2"): GPT-2's byte<->unicode
// alphabet, merges applied by rank (lowest first, leftmost on ties, as
// llama.cpp does), and llama3's whole-word vocabulary lookup.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "tokenizer/vocab.h"

namespace llmzip::tokenizer {

// GPT-2's printable stand-in for a byte: the byte itself for printable
// Latin-1, U+0100 + n for the others.
uint32_t byte_to_unicode(uint8_t b);
// Inverse; -1 for code points outside the 256-character alphabet.
int byte_from_unicode(uint32_t cpt);

class BpeModel {
 public:
  // Builds the merge table. Merges naming strings that are no tokens are kept
  // (as "virtual" symbols) so the merge order is exactly llama.cpp's.
  static Result<std::unique_ptr<BpeModel>> create(const Vocab& vocab, bool ignore_merges,
                                                  const std::string& file_name);

  // Reused buffers of one encode call (one per thread).
  struct Scratch {
    struct Sym {
      int32_t id;
      int32_t prev, next;
      uint32_t begin, end;  // byte range in the word
    };
    struct Bigram {
      int32_t rank, left, right;
    };
    std::vector<Sym> syms;
    std::vector<Bigram> heap;
    std::string encoded;
  };

  // Appends the token ids of one pre-tokenized word (raw bytes, not empty).
  // Bytes that end up in a symbol which is no token (possible only with odd
  // vocabularies) come out as one kNoToken entry each; the caller resolves
  // them with byte tokens. Scratch may hold anything; it is overwritten.
  static constexpr int32_t kNoToken = -1;
  void encode_word(std::string_view word, Scratch* scratch, std::vector<int32_t>* out) const;

  int32_t n_vocab() const { return n_vocab_; }

 private:
  struct MergeEntry {
    uint64_t key;  // (left << 32) | right; kEmpty when unused
    int32_t rank;
    int32_t result;
  };
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  const MergeEntry* find_merge(int32_t left, int32_t right) const;
  void insert_merge(int32_t left, int32_t right, int32_t rank, int32_t result);
  int32_t symbol_id(std::string_view text, uint64_t h);  // vocab id, or a new virtual id

  const Vocab* vocab_ = nullptr;
  bool ignore_merges_ = false;
  int32_t n_vocab_ = 0;
  int32_t byte_symbol_[256];  // symbol of each byte's alphabet character
  std::vector<MergeEntry> table_;
  uint64_t mask_ = 0;
  std::vector<std::string> virtual_;  // strings of ids n_vocab_ + i
  std::unordered_map<std::string, int32_t> virtual_index_;
};

}  // namespace llmzip::tokenizer
