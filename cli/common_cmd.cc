#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "codec/codec.h"

namespace llmzip::cli {

int report(const Status& st) {
  std::fprintf(stderr, "llmzip: %s\n", printable(st.message()).c_str());  // messages quote untrusted text
  return 1;
}

std::string model_path(const Args& a) {
  if (!a.model.empty()) return a.model;
  const char* env = std::getenv("LLMZIP_MODEL");
  return env && *env ? env : "";
}

std::string json_string(std::string_view s) {
  std::string o = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    // Length of a valid UTF-8 sequence starting here, or 0.
    auto seq_len = [&]() -> size_t {
      if (c < 0x80) return 1;
      size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
      if (n == 0 || i + n > s.size()) return 0;
      uint32_t cp = c & (0x7F >> n);
      for (size_t k = 1; k < n; ++k) {
        unsigned char d = s[i + k];
        if ((d & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (d & 0x3F);
      }
      static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
      if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
      return n;
    };
    size_t n = seq_len();
    if (n == 0) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);  // a raw byte that is not UTF-8
      o += b;
    } else if (n == 1) {
      switch (c) {
        case '"': o += "\\\""; break;
        case '\\': o += "\\\\"; break;
        case '\n': o += "\\n"; break;
        case '\r': o += "\\r"; break;
        case '\t': o += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7F) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
          } else {
            o += char(c);
          }
      }
    } else {
      o.append(s.substr(i, n));
      i += n - 1;
    }
  }
  return o + "\"";
}

void print_version() {
  std::printf("llmzip %s (.llmz format 1)\n", LLMZIP_VERSION);
}

}  // namespace llmzip::cli
