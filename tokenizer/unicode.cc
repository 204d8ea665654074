#include "tokenizer/unicode.h"

#include <algorithm>
#include <cassert>
#include <memory>
#include <string>

namespace llmzip::tokenizer {
namespace {

#include "tokenizer/unicode_tables.inc"

constexpr uint32_t kMaxCodepoint = 0x10FFFF;

// The run list expanded into one byte per code point, built once.
const uint8_t* flag_table() {
  static const std::unique_ptr<uint8_t[]> table = [] {
    std::unique_ptr<uint8_t[]> t(new uint8_t[kMaxCodepoint + 1]);
    for (uint32_t i = 0; i < kUnicodeRunCount; ++i) {
      const uint32_t end = i + 1 < kUnicodeRunCount ? kUnicodeRuns[i + 1].first : kMaxCodepoint + 1;
      std::fill(t.get() + kUnicodeRuns[i].first, t.get() + end, kUnicodeRuns[i].flags);
    }
    return t;
  }();
  return table.get();
}

}  // namespace

uint8_t codepoint_flags(uint32_t cpt) {
  static const uint8_t* table = flag_table();
  return cpt <= kMaxCodepoint ? table[cpt] : 0;
}

const char* unicode_version() { return LLMZIP_UNICODE_VERSION; }

bool is_deepseek_llm_letter(uint32_t cpt) {
  for (const CodepointRange& r : kDeepseekLlmLetters) {
    if (cpt >= r.lo && cpt <= r.hi) return true;
  }
  return false;
}

size_t decode_utf8(std::string_view text, size_t pos, uint32_t* cpt) {
  assert(pos < text.size());
  const auto* s = reinterpret_cast<const uint8_t*>(text.data()) + pos;
  const size_t avail = text.size() - pos;
  const uint8_t b0 = s[0];
  if (b0 < 0x80) {
    if (cpt) *cpt = b0;
    return 1;
  }
  size_t len;
  uint32_t c;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, c = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, c = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    return 0;  // continuation byte or 0xF8..0xFF
  }
  if (avail < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    c = (c << 6) | (s[i] & 0x3F);
  }
  if (c < min || c > kMaxCodepoint || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  if (cpt) *cpt = c;
  return len;
}

void append_utf8(uint32_t cpt, std::string* out) {
  assert(cpt <= kMaxCodepoint);
  if (cpt < 0x80) {
    out->push_back(static_cast<char>(cpt));
  } else if (cpt < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cpt >> 6)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else if (cpt < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cpt >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cpt >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cpt >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cpt & 0x3F)));
  }
}

}  // namespace llmzip::tokenizer
