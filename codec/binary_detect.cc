#include "codec/binary_detect.h"

namespace llmzip::codec {
namespace {

bool control_is_binary(uint8_t c) { return (c < 0x09 || (c > 0x0D && c < 0x20 && c != 0x1B)) || c == 0x7F; }

// Length of the valid UTF-8 sequence at s[i] (lead byte >= 0x80), or 0.
size_t utf8_sequence(std::string_view s, size_t i) {
  const uint8_t c = uint8_t(s[i]);
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) n = 2, cp = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, cp = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, cp = c & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const uint8_t d = uint8_t(s[i + k]);
    if ((d & 0xC0) != 0x80) return 0;
    cp = cp << 6 | (d & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
    return 0;
  return n;
}

}  // namespace

uint64_t binary_bytes(std::string_view s) {
  uint64_t bad = 0;
  for (size_t i = 0; i < s.size();) {
    const uint8_t c = uint8_t(s[i]);
    if (c < 0x80) {
      bad += control_is_binary(c);
      ++i;
      continue;
    }
    const size_t n = utf8_sequence(s, i);
    if (n == 0) {
      ++bad;
      ++i;
    } else {
      i += n;
    }
  }
  return bad;
}

bool looks_binary(std::string_view s) { return binary_bytes(s) * kBinaryShare > s.size(); }

}  // namespace llmzip::codec
