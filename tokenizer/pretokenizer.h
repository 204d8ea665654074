// Pre-tokenizers of byte-level BPE vocabularies: the rules that cut text into
// words before BPE merges run, chosen by GGUF `tokenizer.ggml.pre`.
//
// Each rule set is the sequence of split regexes llama.cpp applies for that
// name, reimplemented as hand-written matchers (no regex engine) with the same
// results, including llama.cpp's quirks: passes that llama.cpp runs through
// std::regex see non-ASCII White_Space as \s only (never as a member of a
// literal character class), and `\p{..}` means the major general category.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace llmzip::tokenizer {

class PreTokenizer {
 public:
  // One split pass. Full-cover passes assign every code point to a word;
  // match passes cut out their matches and leave the gaps between them as
  // words of their own.
  enum class Pass : uint8_t {
    kGpt2,            // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
    kLlama3,          // (?i:'s|..)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
    kQwen2,           // as kLlama3 with \p{N} (one digit)
    kQwen35,          // as kQwen2 with [\p{L}\p{M}] for letters
    kNumberEach,      // \p{N}
    kNumberRun,       // \p{N}+
    kAsciiDigits3,    // [0-9][0-9][0-9]
    kPunctFalcon,     // [\p{P}\$\+<=>\^~\|`]+
    kPunctDefault,    // [\p{P}\$\+<=>\^~\|]+
    kNewlineEach,     // [\r\n]
    kSpaceLetters,    // \s?\p{L}+
    kSpacePunct,      // \s?\p{P}+
    kDeepseekLetters, // \s?[A-Za-zµÀ-Ö...] (deepseek-llm's literal letter class)+
    kDeepseekPunct,   // \s?[!-/:-~！-／：-～‘-‟　-。]+
    kTrailingSpace,   // \s+$
    kCjk,             // [一-龥ࠀ-一가-퟿]+
  };

  // The rule set for a `tokenizer.ggml.pre` value ("" means absent and gets
  // llama.cpp's default rules). kUnsupported, listing the supported names,
  // for any other name.
  static Result<PreTokenizer> from_name(std::string_view pre);
  // Comma-separated list of the accepted names (for messages and docs).
  static std::string supported_names();

  const std::string& name() const { return name_; }
  // llama.cpp looks a whole word up in the vocabulary before merging for the
  // llama3 family ("ignore_merges").
  bool ignore_merges() const { return ignore_merges_; }

  // Splits code points cpts[0..n) (with their flags from codepoint_flags())
  // into words: replaces *ends with the exclusive end index of each word, in
  // order; the last is n. n == 0 gives no words. `scratch` is reused storage.
  void split(const uint32_t* cpts, const uint8_t* flags, size_t n, std::vector<uint32_t>* ends,
             std::vector<uint32_t>* scratch) const;

 private:
  std::string name_;
  std::vector<Pass> passes_;
  bool ignore_merges_ = false;
};

}  // namespace llmzip::tokenizer
