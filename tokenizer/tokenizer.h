// The model's tokenizer, defined entirely by GGUF metadata: byte-level BPE
// (tokenizer.ggml.model = "gpt2") with the pre-tokenizer named by
// tokenizer.ggml.pre, or SentencePiece BPE ("llama").
//
// Contract:
//  * Exact: for valid UTF-8 the ids are llama.cpp's (llama_tokenize with
//    add_special = false, parse_special = false): input is never parsed for
//    control tokens, but user-defined tokens of BPE vocabularies are split
//    out first, as llama.cpp does.
//  * Lossless: decode(encode(b)) == b for every byte string b. Invalid UTF-8
//    bytes, and any word whose canonical tokens would not spell its bytes
//    exactly, are emitted as single-byte tokens (counted in EncodeStats).
//    encode fails (kUnsupported) only when the vocabulary has no token at all
//    for some byte it needs; the caller must then escape the data.
//  * Thread-safe: encode/decode are const and keep their state per call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "gguf/gguf.h"
#include "tokenizer/string_table.h"
#include "tokenizer/vocab.h"

namespace llmzip::tokenizer {

struct EncodeStats {
  // Bytes emitted as single-byte tokens because the canonical tokenization
  // could not spell them (invalid UTF-8, pieces missing from the vocabulary;
  // for SentencePiece also its own <0xXX> byte fallback).
  size_t byte_fallback_bytes = 0;
};

class BpeModel;
class SpmModel;
class PreTokenizer;

class Tokenizer {
 public:
  // Reads only tokenizer metadata (vocabulary-only files work). The returned
  // object does not reference `file`. Errors: kMissing / kCorrupt for bad
  // metadata, kUnsupported for unknown model or pre-tokenizer names.
  static Result<std::unique_ptr<Tokenizer>> from_gguf(const gguf::GgufFile& file);
  ~Tokenizer();

  // Token ids of raw bytes, no BOS/EOS. Errors: kUnsupported naming the byte
  // and its offset when the vocabulary cannot express a byte.
  Result<std::vector<int32_t>> encode(std::string_view text, EncodeStats* stats = nullptr) const;

  // The bytes the ids stand for: the concatenation of token_bytes(), minus the
  // space SentencePiece's add_space_prefix put in front (when the result
  // starts with one). Control tokens (BOS/EOS) are NOT skipped: they decode to
  // their piece text, so strip them before calling. Ids must be in
  // [0, n_vocab()) (asserts).
  std::string decode(std::span<const int32_t> ids) const;

  // Whether encode() puts a space in front of non-empty text (SentencePiece
  // with add_space_prefix): format.md's SPACE_PREFIX flag.
  bool adds_space_prefix() const;
  // The one home of the space-prefix rule: the text that `bytes` (the
  // concatenated token bytes of one encode() call) stands for. With `prefixed`
  // (adds_space_prefix(), or a file's SPACE_PREFIX flag) the leading space is
  // removed, and nullopt returned when there is none; otherwise bytes as they are.
  static std::optional<std::string_view> strip_space_prefix(std::string_view bytes, bool prefixed);

  // Raw piece text as stored in the vocabulary (for display / --json).
  std::string_view piece(int32_t id) const;
  // The bytes this token stands for in text.
  std::string token_bytes(int32_t id) const { return std::string(token_bytes_view(id)); }
  std::string_view token_bytes_view(int32_t id) const;
  // The single-byte token for byte b, or -1 if the vocabulary has none.
  int32_t byte_token(uint8_t b) const { return byte_token_[b]; }

  int32_t n_vocab() const;
  int32_t bos_id() const;  // -1 if none
  int32_t eos_id() const;  // -1 if none
  bool add_bos() const;    // whether the model expects BOS before the text
  bool add_eos() const;
  ModelKind kind() const;
  const std::string& model_name() const;  // tokenizer.ggml.model
  const std::string& pre_name() const;    // tokenizer.ggml.pre ("" if absent)
  TokenType token_type(int32_t id) const;
  const Vocab& vocab() const { return *vocab_; }

 private:
  Tokenizer() = default;
  struct Fragment {
    size_t begin, end;
    int32_t special;  // user-defined token id, or -1 for raw text
  };
  struct EncodeState;
  void partition(std::string_view text, std::vector<Fragment>* out) const;
  Status encode_bpe_raw(std::string_view text, size_t base, EncodeState* st) const;
  Status encode_bpe_word(std::string_view word, size_t base, EncodeState* st) const;
  Status encode_spm(std::string_view text, EncodeState* st) const;
  Status push_byte(uint8_t b, size_t offset, EncodeState* st) const;
  // Whether decode(ids) == text, without building the string.
  bool spells(std::span<const int32_t> ids, std::string_view text) const;

  std::unique_ptr<Vocab> vocab_;
  std::unique_ptr<BpeModel> bpe_;
  std::unique_ptr<SpmModel> spm_;
  std::unique_ptr<PreTokenizer> pre_;
  std::string file_name_;
  uint64_t serial_ = 0;  // identifies this tokenizer's entries in per-thread word caches
  std::vector<std::string> bytes_;  // token_bytes per id
  int32_t byte_token_[256];
  // User-defined tokens (BPE): pieces in llama.cpp's matching order (longest first).
  std::vector<std::pair<std::string, int32_t>> specials_;
  struct SpecialLength {
    uint32_t len;
    int32_t only;  // index in specials_ when it is the only piece of this first byte and length, else -1
  };
  std::vector<SpecialLength> special_lengths_[256];  // distinct lengths per first byte
  StringTable special_order_;                   // piece -> index in specials_
  std::vector<uint64_t> special_pairs_;          // bitset: first two bytes of pieces >= 2 bytes
};

}  // namespace llmzip::tokenizer
