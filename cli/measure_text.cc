#include "cli/measure_text.h"

#include <cstdint>
#include <cstdio>

#include "tokenizer/unicode.h"

namespace llmzip::cli {

using tokenizer::decode_utf8;

size_t utf8_length(std::string_view s) {
  size_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    const size_t n = decode_utf8(s, i, nullptr);
    i += n == 0 ? 1 : n;
  }
  return count;
}

std::string escape_token_text(std::string_view s) {
  std::string o;
  o.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = decode_utf8(s, i, nullptr);
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (n > 1) {
      o.append(s.substr(i, n));
      i += n;
      continue;
    }
    switch (c) {
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (n == 0 || c < 0x20 || c == 0x7F) {
          char b[8];
          std::snprintf(b, sizeof b, "\\x%02X", c);
          o += b;
        } else {
          o += static_cast<char>(c);
        }
    }
    ++i;
  }
  return o;
}

std::string html_escape(std::string_view s) {
  std::string o;
  o.reserve(s.size() + s.size() / 8);
  for (size_t i = 0; i < s.size();) {
    const size_t n = decode_utf8(s, i, nullptr);
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (n == 0) {
      o += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if (n > 1) {
      o.append(s.substr(i, n));
      i += n;
      continue;
    }
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      case '\n':
      case '\t': o += static_cast<char>(c); break;
      default:
        if (c < 0x20 || c == 0x7F) o += "\xEF\xBF\xBD";
        else o += static_cast<char>(c);
    }
    ++i;
  }
  return o;
}

}  // namespace llmzip::cli
