// Unicode facts the pre-tokenizers need: the major general category of a code
// point, the White_Space property, and strict UTF-8 decoding.
//
// The category table is generated from the Unicode Character Database by
// tools/unicode/gen_unicode_tables.py (version in LLMZIP_UNICODE_VERSION);
// it matches what llama.cpp's unicode tables say for every category the split
// rules look at. Lookups are O(1) after a one-time 1.1 MB table expansion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace llmzip::tokenizer {

// Bit flags per code point. Exactly one category bit is set for assigned code
// points; unassigned ones have none. kSpace is independent of the category.
enum CodepointFlags : uint8_t {
  kLetter = 1,      // L*
  kNumber = 2,      // N*
  kPunct = 4,       // P*
  kMark = 8,        // M*
  kSymbol = 16,     // S*
  kSeparator = 32,  // Z*
  kControl = 64,    // C* (Cc, Cf, Co, Cs)
  kSpace = 128,     // White_Space property (\s in the split rules)
};

struct UnicodeRun {
  uint32_t first;
  uint8_t flags;
};
struct CodepointRange {
  uint32_t lo, hi;  // inclusive
};

// Flags of `cpt`; 0 for cpt > 0x10FFFF.
uint8_t codepoint_flags(uint32_t cpt);

// Unicode version the tables were generated from, e.g. "15.0.0".
const char* unicode_version();

// The literal letter class of deepseek-llm's split rule.
bool is_deepseek_llm_letter(uint32_t cpt);

// Strict UTF-8: decodes one scalar value at text[pos]. Returns its byte length
// (1..4) and sets *cpt, or returns 0 when the bytes there are not well-formed
// UTF-8 (lone continuation byte, overlong form, surrogate, > U+10FFFF,
// truncated sequence). Then exactly one byte should be treated as invalid.
// cpt may be null when only the length (validity) is wanted. This is the one
// UTF-8 check of the code base (the CLI's text escaping uses it too).
size_t decode_utf8(std::string_view text, size_t pos, uint32_t* cpt);

// Appends the UTF-8 encoding of a scalar value.
void append_utf8(uint32_t cpt, std::string* out);

}  // namespace llmzip::tokenizer
